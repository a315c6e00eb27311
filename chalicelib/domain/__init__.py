"""The pure domain of ePS2: no I/O, no AWS, testable in microseconds."""
