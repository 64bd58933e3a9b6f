Console.WriteLine("VelocityAgent: not yet");
