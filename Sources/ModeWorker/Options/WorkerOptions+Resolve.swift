import ArgumentParser
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension WorkerOptions {
    /// The environment variable read for each option.
    ///
    /// ```swift
    /// let level = environment[WorkerOptions.EnvironmentVariable.logLevel]   // "MODE_LOGLEVEL"
    /// ```
    public enum EnvironmentVariable {
        /// `MODE_LOGLEVEL` for `--loglevel`.
        public static let logLevel = "MODE_LOGLEVEL"
        /// `MODE_LOGFILE` for `--logfile`.
        public static let logFile = "MODE_LOGFILE"
        /// `MODE_LOG_FORMAT` for `--log-format`.
        public static let logFormat = "MODE_LOG_FORMAT"
        /// `MODE_BLOCKING_TIMEOUT` for `--blocking-timeout`.
        public static let blockingTimeout = "MODE_BLOCKING_TIMEOUT"
        /// `MODE_EXECUTOR_INSTRUMENTATION` for `--executor-instrumentation`.
        public static let executorInstrumentation = "MODE_EXECUTOR_INSTRUMENTATION"
        /// `MODE_CONSOLE_PORT` for `--console-port`.
        public static let consolePort = "MODE_CONSOLE_PORT"
        /// `MODE_CONSOLE_HOST` for `--console-host`.
        public static let consoleHost = "MODE_CONSOLE_HOST"
        /// `MODE_HTTP_PORT` for `--http-port`.
        public static let httpPort = "MODE_HTTP_PORT"
        /// `MODE_HTTP_HOST` for `--http-host`.
        public static let httpHost = "MODE_HTTP_HOST"
        /// `MODE_HTTP_TOKEN`: the bearer token the HTTP endpoint requires (`Authorization: Bearer <token>`);
        /// required when `--http-host` is not a loopback address. A variable only, never a flag (a flag shows
        /// in `ps`).
        public static let httpToken = "MODE_HTTP_TOKEN"
        /// `MODE_READY_STALL_LIMIT` for `--ready-stall-limit`.
        public static let readyStallLimit = "MODE_READY_STALL_LIMIT"
        /// `MODE_CONSOLE` (1/0, true/false, yes/no, on/off) for `--console` / `--no-console`.
        public static let console = "MODE_CONSOLE"
        /// `MODE_DEBUG` (1/0, ...) for `--debug` / `--no-debug`.
        public static let debug = "MODE_DEBUG"
        /// `MODE_QUIET` (1/0, ...) for `--quiet` / `--no-quiet`.
        public static let quiet = "MODE_QUIET"
        /// `MODE_SHUTDOWN_TIMEOUT` for `--shutdown-timeout`.
        public static let shutdownTimeout = "MODE_SHUTDOWN_TIMEOUT"
    }

    /// Merges flags, environment variables and defaults (flag > variable > default) and validates them.
    ///
    /// ```swift
    /// let options = try WorkerOptions.parse(["--loglevel", "debug"]).resolved(environment: ["MODE_QUIET": "1"])
    /// // options.logLevel == .debug, options.quiet == true
    /// ```
    ///
    /// - Parameter environment: The variables to read; defaults to the process environment.
    /// - Throws: argument-parser's `ValidationError` with a one-line message naming the flag or variable and
    ///   the accepted values; ``WorkerOptions/exitCode(for:)`` maps it to 64 (`EX_USAGE`).
    public func resolved(environment: [String: String]? = nil) throws -> ResolvedWorkerOptions {
        let environment = environment ?? ProcessEnvironment.current()
        let resolver = Resolver(environment: environment)
        var options = ResolvedWorkerOptions()
        options.logLevel =
            try resolver.value(self.logLevel, flag: "--loglevel", variable: EnvironmentVariable.logLevel) {
                LogLevelControl.parseLevel($0)
            } accepted: {
                "trace, debug, info, notice, warning (or warn), error, critical"
            } ?? options.logLevel
        options.logFile =
            try resolver.value(self.logFile, flag: "--logfile", variable: EnvironmentVariable.logFile) {
                $0.isEmpty ? nil : $0
            } accepted: {
                "a file path"
            } ?? options.logFile
        options.logFormat =
            try resolver.value(self.logFormat, flag: "--log-format", variable: EnvironmentVariable.logFormat) {
                LogFormat(name: $0)
            } accepted: {
                "text, json"
            } ?? options.logFormat
        options.blockingTimeout =
            try resolver.value(
                self.blockingTimeout, flag: "--blocking-timeout", variable: EnvironmentVariable.blockingTimeout
            ) {
                Self.seconds($0, allowZero: true)
            } accepted: {
                "a number of seconds >= 0 (0 disables)"
            } ?? options.blockingTimeout
        options.executorInstrumentation =
            try resolver.value(
                self.executorInstrumentation, flag: "--executor-instrumentation",
                variable: EnvironmentVariable.executorInstrumentation
            ) {
                ExecutorInstrumentation(name: $0)
            } accepted: {
                ExecutorInstrumentation.allCases.map(\.rawValue).joined(separator: ", ")
            } ?? options.executorInstrumentation
        options.consolePort =
            try resolver.port(self.consolePort, flag: "--console-port", variable: EnvironmentVariable.consolePort)
            ?? options.consolePort
        options.consoleHost =
            try resolver.host(self.consoleHost, flag: "--console-host", variable: EnvironmentVariable.consoleHost)
            ?? options.consoleHost
        options.httpPort =
            try resolver.port(self.httpPort, flag: "--http-port", variable: EnvironmentVariable.httpPort)
            ?? options.httpPort
        options.httpHost =
            try resolver.host(self.httpHost, flag: "--http-host", variable: EnvironmentVariable.httpHost)
            ?? options.httpHost
        options.readyStallLimit =
            try resolver.value(
                self.readyStallLimit, flag: "--ready-stall-limit", variable: EnvironmentVariable.readyStallLimit
            ) {
                Self.seconds($0, allowZero: false)
            } accepted: {
                "a number of seconds > 0"
            } ?? options.readyStallLimit
        options.shutdownTimeout =
            try resolver.value(
                self.shutdownTimeout, flag: "--shutdown-timeout", variable: EnvironmentVariable.shutdownTimeout
            ) {
                Self.seconds($0, allowZero: false)
            } accepted: {
                "a number of seconds > 0"
            } ?? options.shutdownTimeout
        options.consoleEnabled =
            try resolver.bool(self.console, variable: EnvironmentVariable.console) ?? options.consoleEnabled
        options.debug = try resolver.bool(self.debug, variable: EnvironmentVariable.debug) ?? options.debug
        options.quiet = try resolver.bool(self.quiet, variable: EnvironmentVariable.quiet) ?? options.quiet
        return options
    }

    /// Parses `arguments` and resolves them with `environment`; on any error prints one line to stderr
    /// (`Error: --loglevel: invalid value 'nonsense' (accepted: ...)`) and exits with
    /// ``WorkerOptions/exitCode(for:)`` (64 for bad values). `--help` prints the help and exits 0.
    ///
    /// ```swift
    /// let options = WorkerOptions.parseOrExit()   // CommandLine.arguments and the process environment
    /// ```
    public static func parseOrExit(
        arguments: [String]? = nil, environment: [String: String]? = nil
    ) -> ResolvedWorkerOptions {
        do {
            let parsed = try Self.$throwsValidationErrors.withValue(true) { try Self.parse(arguments) }
            return try parsed.resolved(environment: environment)
        } catch {
            let code = Self.exitCode(for: error)
            if code == .success {
                Self.exit(withError: error)  // help or version: argument-parser prints it
            }
            let line = "Error: \(Self.message(for: error))\n"
            LogSink.standardError().write(line)
            terminateProcess(code.rawValue)
        }
    }

    static func seconds(_ text: String, allowZero: Bool) -> Duration? {
        guard let value = Double(text.trimmingASCIIWhitespace()), value.isFinite,
            allowZero ? value >= 0 : value > 0, value <= 1e9
        else { return nil }
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }
}

/// `exit(3)`, which is shadowed by `ParsableArguments.exit(withError:)` inside the extension.
private func terminateProcess(_ status: Int32) -> Never {
    exit(status)
}

/// Applies flag > environment > default and produces the one-line errors.
private struct Resolver {
    let environment: [String: String]

    init(environment: [String: String]) { self.environment = environment }

    func value<T>(
        _ flagValue: String?, flag: String, variable: String, parse: (String) -> T?,
        accepted: () -> String
    ) throws -> T? {
        if let flagValue {
            guard let parsed = parse(flagValue) else {
                throw ValidationError("\(flag): invalid value '\(flagValue)' (accepted: \(accepted()))")
            }
            return parsed
        }
        guard let text = self.environment[variable] else { return nil }
        guard let parsed = parse(text) else {
            throw ValidationError("\(variable): invalid value '\(text)' (accepted: \(accepted()))")
        }
        return parsed
    }

    /// A TCP port, 0...65535 (0: any free port).
    func port(_ flagValue: String?, flag: String, variable: String) throws -> Int? {
        try value(flagValue, flag: flag, variable: variable) {
            Int($0.trimmingASCIIWhitespace()).flatMap { (0...65535).contains($0) ? $0 : nil }
        } accepted: {
            "a port number 0...65535 (0 = any free port)"
        }
    }

    /// A bind address, not empty.
    func host(_ flagValue: String?, flag: String, variable: String) throws -> String? {
        try value(flagValue, flag: flag, variable: variable) {
            let host = $0.trimmingASCIIWhitespace()
            return host.isEmpty ? nil : host
        } accepted: {
            "a host name or IP address"
        }
    }

    func bool(_ flagValue: Bool?, variable: String) throws -> Bool? {
        if let flagValue { return flagValue }
        guard let text = self.environment[variable] else { return nil }
        switch text.trimmingASCIIWhitespace().lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default:
            throw ValidationError("\(variable): invalid value '\(text)' (accepted: 1, true, yes, on, 0, false, no, off)")
        }
    }
}
