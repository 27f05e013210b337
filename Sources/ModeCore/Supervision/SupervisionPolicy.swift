/// How a supervisor reacts to crashes: its strategy, restart intensity and backoff.
///
/// The intensity is OTP's "at most ``maxRestarts`` restarts within ``period``"; one more crash makes the
/// supervisor stop all its children and escalate ``MaxRestartsExceeded`` to its parent.
///
/// Defaults: ``SupervisorStrategy/oneForOne``, **5 restarts in 10 s**, ``RestartBackoff`` defaults. OTP's
/// default is 1 restart in 5 s, chosen for Erlang processes that restart in microseconds and without backoff.
/// With backoff between restarts a limit of 1 would escalate on the second crash no matter how far apart the
/// backoff pushes it within the window, so the backoff would never get to help with a flapping dependency.
/// Five in ten seconds (Elixir uses 3 in 5 s) tolerates a short burst of transient failures while keeping the
/// window longer than the sum of the first five backoff delays (3.1 s), which guarantees that a service that
/// always crashes escalates — after about 6 s — instead of being restarted forever. mode's default
/// (100 restarts per second) is in effect no limit.
///
/// ```swift
/// var policy = SupervisionPolicy(strategy: .restForOne)
/// policy.maxRestarts = 3
/// policy.period = .seconds(5)
/// policy.backoff.base = .milliseconds(10)
/// ```
public struct SupervisionPolicy: Hashable, Sendable {
    /// Which children are restarted together. Default ``SupervisorStrategy/oneForOne``.
    public var strategy: SupervisorStrategy
    /// Restarts allowed within ``period``. Default 5.
    public var maxRestarts: Int = 5
    /// The sliding window of the restart intensity. Default 10 s.
    public var period: Duration = .seconds(10)
    /// Delays between restarts. Default ``RestartBackoff/init()``.
    public var backoff = RestartBackoff()

    /// Creates a policy with the documented defaults.
    public init(strategy: SupervisorStrategy = .oneForOne) {
        self.strategy = strategy
    }
}
