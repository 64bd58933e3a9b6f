Console.WriteLine("temperature: not yet");
