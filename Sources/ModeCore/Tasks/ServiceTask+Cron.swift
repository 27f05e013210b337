import Foundation
import Logging

extension ServiceTask {
    /// A cron job (mode's `@Service.crontab`): runs `body` at the times a five-field cron expression names,
    /// in `timeZone`, until the service stops.
    ///
    /// ```swift
    /// nonisolated var tasks: [ServiceTask] {
    ///     [.cron("nightly-report", "30 2 * * *", timeZone: TimeZone(identifier: "Europe/Paris")!) {
    ///         try await self.sendReport()
    ///     }]
    /// }
    /// ```
    ///
    /// A malformed expression does not trap and does not need `try` in ``Service/tasks``: the job fails at
    /// start, which crashes its service with a ``ServiceTaskFailure`` whose `error` is the
    /// ``CronExpressionError`` naming the bad field (`minute field "61" is out of range 0-59`). To reject a bad
    /// expression earlier (say, from configuration), parse it yourself and use
    /// ``cron(_:expression:timeZone:now:fileID:line:_:)``.
    ///
    /// The next fire time is computed on the wall clock (`now`), then the job sleeps that long on the
    /// service's clock, so daylight-saving changes and month lengths follow ``CronExpression/nextFireDate(after:in:)``.
    ///
    /// - Parameter now: the wall clock (default `Date()`); tests inject one that follows a `ManualClock`.
    public static func cron(
        _ name: String, _ expression: String, timeZone: TimeZone = .current,
        now: @escaping @Sendable () -> Date = { Date() }, fileID: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable () async throws -> Void
    ) -> ServiceTask {
        ServiceTask(name: name, kind: .cron, fileID: fileID, line: line) { context in
            let parsed = try CronExpression(expression)
            let service = context.service
            try await runCron(
                name: name, parsed, timeZone: timeZone, now: now, service: service,
                clock: service.lifecycle.clock, body: body)
        }
    }

    /// A cron job from an already parsed ``CronExpression`` (so a bad expression fails where it is parsed).
    ///
    /// ```swift
    /// let schedule = try CronExpression(settings.reportSchedule)
    /// let task = ServiceTask.cron("report", expression: schedule) { try await self.report() }
    /// ```
    public static func cron(
        _ name: String, expression: CronExpression, timeZone: TimeZone = .current,
        now: @escaping @Sendable () -> Date = { Date() }, fileID: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable () async throws -> Void
    ) -> ServiceTask {
        ServiceTask(name: name, kind: .cron, fileID: fileID, line: line) { context in
            let service = context.service
            try await runCron(
                name: name, expression, timeZone: timeZone, now: now, service: service,
                clock: service.lifecycle.clock, body: body)
        }
    }

    static func runCron<C: Clock>(
        name: String, _ expression: CronExpression, timeZone: TimeZone, now: @Sendable () -> Date,
        service: any Service, clock: C, body: @Sendable () async throws -> Void
    ) async throws where C.Duration == Duration {
        let lifecycle = service.lifecycle
        let logger = service.logger
        var basis = now()
        lifecycle.updateCronStatus(name) { status in
            status.expression = expression.source
            status.timeZone = timeZone
        }
        while !service.shouldStop {
            guard let fire = expression.nextFireDate(after: basis, in: timeZone) else {
                logger.warning("Cron job \(name) (\(expression)) never fires again; it ends")
                lifecycle.updateCronStatus(name) { $0.nextFireDate = nil }
                return
            }
            lifecycle.updateCronStatus(name) { $0.nextFireDate = fire }
            let wait = Duration.seconds(max(0, fire.timeIntervalSince(now())))
            guard await stopAwareSleep(until: clock.now.advanced(by: wait), clock: clock, lifecycle: service.lifecycle),
                !service.shouldStop
            else { return }
            // Waking a little early must not fire the same minute twice: the next one is after `fire`.
            let started = now()
            basis = max(started, fire)
            let lateness = Duration.seconds(max(0, started.timeIntervalSince(fire)))
            lifecycle.updateCronStatus(name) { status in
                status.runs += 1
                status.lastFireDate = fire
                status.lastLateness = lateness
                status.maxLateness = max(status.maxLateness, lateness)
            }
            logger.debug("Cron job \(name) (\(expression)) fires for \(fire)")
            try await body()
        }
    }
}
