Console.WriteLine("AnomalyAgent: not yet");
