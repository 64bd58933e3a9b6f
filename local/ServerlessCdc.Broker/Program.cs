Console.WriteLine("broker: not yet");
