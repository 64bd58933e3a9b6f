using System.Net.Sockets;
using Confluent.Kafka;
using Npgsql;

namespace ServerlessCdc.Capture.Connectors;

/// <summary>Which failures Debezium retries (its <c>RetriableException</c>s): lost or refused connections.</summary>
public static class RetriableErrors
{
    public static bool IsRetriable(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 08: connection exception; 57P01–57P03: the server shutting down, crashed or starting up.
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03":
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException npgsql when npgsql.IsTransient:
                case SocketException:
                case IOException:
                    return true;
                case KafkaException kafka:
                    return !kafka.Error.IsFatal && kafka.Error.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown
                        or ErrorCode.Local_TimedOut or ErrorCode.Local_MsgTimedOut or ErrorCode.BrokerNotAvailable
                        or ErrorCode.NetworkException or ErrorCode.RequestTimedOut or ErrorCode.LeaderNotAvailable;
            }
        }

        return false;
    }
}
