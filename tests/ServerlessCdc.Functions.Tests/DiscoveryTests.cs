using ServerlessCdc.Functions.Tests.Support;

namespace ServerlessCdc.Functions.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public void Public_function_methods_of_the_given_classes_are_found()
    {
        var functions = new FunctionCatalog([typeof(StaticFunctions), typeof(Mixed)]).Functions;

        Assert.Equal(["Public", "StaticValueTask", "StaticVoid"], functions.Select(function => function.Name).Order());
        var mixed = functions.Single(function => function.Name == "Public");
        Assert.IsType<TimerTriggerAttribute>(mixed.Trigger);
        Assert.Equal("timer", mixed.TriggerParameter?.Name);
    }

    [Fact]
    public void Assemblies_are_searched_through_their_public_classes()
    {
        var names = FunctionCatalog.FromAssemblies([typeof(DiscoveryTests).Assembly]).Functions.Select(function => function.Name).ToList();

        Assert.Contains("Di", names);
        Assert.Contains("EverySecond", names);
        Assert.DoesNotContain("Public", names);
    }

    [Fact]
    public void Retry_attributes_come_from_the_method_or_else_the_class()
    {
        var functions = new FunctionCatalog([typeof(FlakyFunction), typeof(AlwaysFailingFunction)]).Functions;

        Assert.IsType<FixedDelayRetryAttribute>(functions.Single(function => function.Name == "Flaky").Retry);
        Assert.IsType<ExponentialBackoffRetryAttribute>(functions.Single(function => function.Name == "AlwaysFailing").Retry);
    }

    [Fact]
    public void Two_functions_with_one_name_are_an_error()
    {
        var error = Assert.Throws<FunctionConfigurationException>(() => new FunctionCatalog([typeof(Duplicates)]).Functions);

        Assert.Equal("Same", error.FunctionName);
        Assert.Contains("Duplicates.First", error.Message, StringComparison.Ordinal);
        Assert.Contains("Duplicates.Second", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(NoTrigger), "exactly one trigger parameter")]
    [InlineData(typeof(ReturnsInt), "must return void, Task or ValueTask")]
    public void Malformed_functions_are_rejected_by_name(Type type, string problem)
    {
        var error = Assert.Throws<FunctionConfigurationException>(() => new FunctionCatalog([type]).Functions);

        Assert.Contains("Function 'Bad'", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private sealed class Mixed
    {
        [Function("Public")]
        public void Run([TimerTrigger(Schedules.Yearly)] TimerInfo timer)
        {
        }

        [Function("Private")]
        private void Hidden([TimerTrigger(Schedules.Yearly)] TimerInfo timer)
        {
        }

        internal void Used() => Hidden(new TimerInfo());
    }

    private sealed class Duplicates
    {
        [Function("Same")]
        public void First([TimerTrigger(Schedules.Yearly)] TimerInfo timer)
        {
        }

        [Function("Same")]
        public void Second([TimerTrigger(Schedules.Yearly)] TimerInfo timer)
        {
        }
    }

    private sealed class NoTrigger
    {
        [Function("Bad")]
        public void Run(TimerInfo timer)
        {
        }
    }

    private sealed class ReturnsInt
    {
        [Function("Bad")]
        public int Run([TimerTrigger(Schedules.Yearly)] TimerInfo timer) => 1;
    }
}
