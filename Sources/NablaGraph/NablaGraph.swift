// NablaGraph: tracing Swift code into a static graph (see compile(_:)).
