using System.Diagnostics;

namespace Handoff.Outbound.Deliveries;

/// <summary>Outbound's own spans: each delivery attempt and each status report published.</summary>
public static class DeliveryTelemetry
{
    public static readonly ActivitySource Source = new("Handoff.Outbound");
}
