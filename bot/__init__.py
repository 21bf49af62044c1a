"""memorybot core: platform-neutral chat service and the memory-augmented tagging agent."""
