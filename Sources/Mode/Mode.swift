// The umbrella module: `import Mode` gives the whole library, plus swift-log's `Logger` that every
// service's `logger` is, so one import is enough for a service tree and its Worker.
@_exported import Logging
@_exported import ModeConsole
@_exported import ModeCore
@_exported import ModeDiagnostics
@_exported import ModeWorker
