namespace ServerlessCdc.Functions;

internal static class Placeholder;
