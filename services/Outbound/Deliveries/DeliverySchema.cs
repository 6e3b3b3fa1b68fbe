using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Handoff.Outbound.Deliveries;

/// <summary>
/// The delivery queue's tables, declared to Marten so that <c>db-apply</c> / <c>db-assert</c> and start-up migrations
/// cover them like Marten's own.
/// <list type="bullet">
/// <item><c>deliveries</c>: one row per message to AltaBots, in the order they were queued (<c>position</c>). The body is
/// kept exactly as first serialised. Pending rows wait; delivered rows are kept for <c>Outbound:Retention</c> to recognise
/// redelivered events; failed rows are the dead letters.</item>
/// <item><c>delivery_lanes</c>: one row per conversation with something pending. <c>due_at</c> is when its first pending
/// message may be attempted (null: nothing pending). Claiming a lane pushes <c>due_at</c> ahead by the lease and sets
/// <c>lease</c>, so exactly one attempt per conversation is in flight anywhere, and a crashed instance's lane comes back by
/// itself when its lease runs out.</item>
/// </list>
/// </summary>
public static class DeliverySchema
{
    public const string Deliveries = "deliveries";
    public const string Lanes = "delivery_lanes";

    public static IEnumerable<Table> Tables(string schema)
    {
        var deliveries = new Table(new PostgresqlObjectName(schema, Deliveries, SchemaUtils.IdentifierUsage.General));
        deliveries.AddColumn<Guid>("id").AsPrimaryKey();
        deliveries.AddColumn<long>("position").BigAutoIncrement().NotNull();
        deliveries.AddColumn<string>("conversation_id").NotNull();
        deliveries.AddColumn<string>("kind").NotNull();
        deliveries.AddColumn<int>("session").NotNull();
        deliveries.AddColumn("sequence", "bigint");
        deliveries.AddColumn<string>("path").NotNull();
        deliveries.AddColumn<string>("body").NotNull();
        deliveries.AddColumn("decided_at", "timestamptz").NotNull();
        deliveries.AddColumn("queued_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        deliveries.AddColumn("since", "timestamptz").NotNull().DefaultValueByExpression("now()");
        deliveries.AddColumn<string>("status").NotNull().DefaultValueByString("pending");
        deliveries.AddColumn<int>("attempts").NotNull().DefaultValue(0);
        deliveries.AddColumn<int>("revision").NotNull().DefaultValue(0);
        deliveries.AddColumn("next_attempt_at", "timestamptz").DefaultValueByExpression("now()");
        deliveries.AddColumn("last_status_code", "integer");
        deliveries.AddColumn("failure", "text");
        deliveries.AddColumn("delivered_at", "timestamptz");
        deliveries.AddColumn("failed_at", "timestamptz");
        deliveries.AddColumn("trace_parent", "text");
        deliveries.Indexes.Add(new IndexDefinition("deliveries_pending") { Columns = ["conversation_id", "position"], Predicate = "status = 'pending'" });
        deliveries.Indexes.Add(new IndexDefinition("deliveries_failed") { Columns = ["failed_at"], Predicate = "status = 'failed'" });
        deliveries.Indexes.Add(new IndexDefinition("deliveries_delivered") { Columns = ["delivered_at"], Predicate = "status = 'delivered'" });
        deliveries.Indexes.Add(new IndexDefinition("deliveries_position") { Columns = ["position"] });

        var lanes = new Table(new PostgresqlObjectName(schema, Lanes, SchemaUtils.IdentifierUsage.General));
        lanes.AddColumn<string>("conversation_id").AsPrimaryKey();
        lanes.AddColumn("due_at", "timestamptz");
        lanes.AddColumn("lease", "uuid");
        lanes.Indexes.Add(new IndexDefinition("delivery_lanes_due") { Columns = ["due_at"], Predicate = "due_at is not null" });

        return [deliveries, lanes];
    }
}
