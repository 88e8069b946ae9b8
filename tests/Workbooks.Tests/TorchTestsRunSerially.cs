// libtorch's default generator is process-wide: tests that seed it and compare curves bit for bit
// cannot share the process with tests drawing from it at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
