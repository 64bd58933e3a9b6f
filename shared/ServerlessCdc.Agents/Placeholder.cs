namespace ServerlessCdc.Agents;

internal static class Placeholder;
