using System.Globalization;
using System.Text;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Kafka;

/// <summary>Debezium's heartbeat record: key <c>ServerNameKey</c>, value <c>Heartbeat</c>, on <c>__debezium-heartbeat.&lt;prefix&gt;</c>.</summary>
public static class HeartbeatRecords
{
    /// <param name="keySchema">JsonConverter's <c>key.converter.schemas.enable</c>.</param>
    /// <param name="valueSchema">JsonConverter's <c>value.converter.schemas.enable</c>.</param>
    public static ChangeRecord Create(string topicPrefix, string heartbeatPrefix, DateTimeOffset now, bool keySchema = true, bool valueSchema = true)
    {
        var key = "{\"serverName\":" + System.Text.Json.JsonSerializer.Serialize(topicPrefix) + "}";
        var value = "{\"ts_ms\":" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "}";
        if (keySchema)
        {
            key = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"serverName\"}],"
                + "\"optional\":false,\"name\":\"io.debezium.connector.common.ServerNameKey\"},\"payload\":" + key + "}";
        }

        if (valueSchema)
        {
            value = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"}],"
                + "\"optional\":false,\"name\":\"io.debezium.connector.common.Heartbeat\"},\"payload\":" + value + "}";
        }

        return new ChangeRecord(heartbeatPrefix + "." + topicPrefix, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
    }
}
