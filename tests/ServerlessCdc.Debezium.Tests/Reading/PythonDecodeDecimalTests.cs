using System.Diagnostics;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;
using static ServerlessCdc.Debezium.Tests.Fixtures;

namespace ServerlessCdc.Debezium.Tests.Reading;

/// <summary>The seeds' agents decode amounts with their own Python; our events must decode the same way.</summary>
public sealed class PythonDecodeDecimalTests
{
    // decode_decimal exactly as the seed's fraud_consumer_agent1.py defines it.
    private const string Script = """
        import base64, json, sys

        def decode_decimal(encoded_bytes):
            if isinstance(encoded_bytes, str):
                try:
                    decoded = base64.b64decode(encoded_bytes)
                    value = int.from_bytes(decoded, byteorder='big', signed=True)
                    return float(value) / 100
                except:
                    return None
            elif isinstance(encoded_bytes, (int, float)):
                return float(encoded_bytes)
            return None

        for line in sys.stdin:
            message = json.loads(line)
            data = message.get('payload', {}).get('after')
            print(repr(decode_decimal(data['amount'])))
        """;

    [Fact]
    public void Seed_decode_decimal_reads_our_amounts()
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), "Debian's python3 is expected at /usr/bin/python3.");

        string[] amounts = ["3927.52", "-0.01", "0.00", "99999999.99", "123.45"];
        var writer = new TableEventWriter(FraudOptions, Transactions);
        var lines = amounts.Select(amount => Utf8(writer.Write(
            ChangeOperation.Create, [], Row("1", "42", amount, "2025-03-14 09:26:53"), Source, ProcessedAt).Value));

        var script = Path.Combine(Path.GetTempPath(), $"decode_decimal_{Environment.ProcessId}.py");
        File.WriteAllText(script, Script);
        try
        {
            var start = new ProcessStartInfo(python, [script])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            process.StandardInput.Write(string.Join('\n', lines) + "\n");
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(30_000), "python timed out");
            Assert.True(process.ExitCode == 0, error);
            Assert.Equal(["3927.52", "-0.01", "0.0", "99999999.99", "123.45"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(script);
        }
    }
}
