using Confluent.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// A consumer that other threads (lag measurements) call besides its poll thread, disposed once the last of them is
/// done. A stop then does not wait for a call blocked on a broker that does not answer (librdkafka 2.0's watermark query
/// waited out socket.timeout.ms whatever its own timeout), and no call ever runs on a disposed handle.
/// </summary>
internal sealed class SharedConsumer(IConsumer<byte[], byte[]> consumer)
{
    private readonly Lock _gate = new();
    private int _users = 1;
    private bool _closing;

    /// <summary>False once the owner let go: make no more calls.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return false;
            }

            _users++;
            return true;
        }
    }

    public void Release()
    {
        bool last;
        lock (_gate)
        {
            last = --_users == 0;
        }

        if (last)
        {
            consumer.Dispose();
        }
    }

    /// <summary>The owner is done: the consumer is disposed now, or by whichever helper call ends last.</summary>
    public void ReleaseOwner()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
        }

        Release();
    }
}
