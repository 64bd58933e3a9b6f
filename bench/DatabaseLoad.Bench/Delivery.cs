namespace ServerlessCdc.DatabaseLoad.Bench;

/// <summary>What the readers got in the measured window: new rows and, per row, created_at → in the reader's hands.</summary>
public sealed class Delivery
{
    private readonly Lock _gate = new();
    private List<double> _latenciesMs = [];
    private long _rows;
    private bool _measuring;

    /// <summary>A reader has a new row, written at <paramref name="createdAtUtc"/>; counted only while measuring.</summary>
    public void Received(DateTime createdAtUtc, DateTime nowUtc)
    {
        lock (_gate)
        {
            if (_measuring)
            {
                _rows++;
                _latenciesMs.Add((nowUtc - createdAtUtc).TotalMilliseconds);
            }
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            _measuring = true;
            _rows = 0;
            _latenciesMs = [];
        }
    }

    public (long Rows, double[] LatenciesMs) Stop()
    {
        lock (_gate)
        {
            _measuring = false;
            return (_rows, [.. _latenciesMs]);
        }
    }
}
