import Logging
import ModeCore
import Synchronization

extension WorkerRuntime {
    /// Tells systemd the service is ready (READY=1) and, when it asked for a watchdog (WATCHDOG_USEC), pings
    /// it at half the interval, but only while no executor stall is in progress, so a wedged process is
    /// restarted by systemd.
    func notifySystemdReady(logger: Logger) {
        guard systemd.isEnabled else { return }
        do {
            _ = try systemd.ready(status: "running")
        } catch {
            logger.warning("systemd notification failed: \(error)")
        }
        guard let interval = systemd.watchdogInterval else { return }
        let systemd = self.systemd
        let metrics = self.metrics
        let task = Task {
            while !Task.isCancelled {
                let stalled = metrics.activeStalls.current > 0
                if !stalled { _ = try? systemd.watchdog() }
                do { try await Task.sleep(for: interval / 2) } catch { return }
            }
        }
        systemdWatchdog.withLock { $0 = task }
    }
}
