// Two cores run these tests beside client processes; more parallel classes only add contention.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
