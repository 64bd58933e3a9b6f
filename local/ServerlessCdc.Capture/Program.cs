Console.WriteLine("capture: not yet");
