// MassTransit's log context is process-wide (see TimeoutsHost), so hosts of different test classes must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
