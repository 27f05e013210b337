/// Which children a supervisor stops and restarts when one of them crashes.
///
/// ```swift
/// var policy = SupervisionPolicy(strategy: .restForOne)
/// policy.strategy = .oneForAll
/// ```
///
/// | Strategy | On a crash of child *i* (children in start order) |
/// |---|---|
/// | ``oneForOne`` | restart *i* only |
/// | ``oneForAll`` | stop all others (reverse order), restart all (start order) |
/// | ``restForOne`` | stop *i* and every child started after it (reverse order), restart them (start order) — OTP's `rest_for_one`, which mode lacks |
/// | ``forfeitOneForOne`` | stop *i*, never restart it |
/// | ``forfeitOneForAll`` | stop all children, restart none |
/// | ``crashing`` | escalate the crash to the parent at once (under a Worker, the process exits with code 1) |
public struct SupervisorStrategy: Hashable, Sendable, CustomStringConvertible {
    enum Wrapped: Hashable, Sendable {
        case oneForOne, oneForAll, restForOne, forfeitOneForOne, forfeitOneForAll, crashing
    }

    let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// Restart only the crashed child (OTP `one_for_one`, mode `OneForOneSupervisor`).
    public static let oneForOne = Self(.oneForOne)
    /// Stop every child and restart them all (OTP `one_for_all`, mode `OneForAllSupervisor`).
    public static let oneForAll = Self(.oneForAll)
    /// Restart the crashed child and every child started after it (OTP `rest_for_one`).
    public static let restForOne = Self(.restForOne)
    /// Give up on the crashed child: stop it and do not restart it (mode `ForfeitOneForOneSupervisor`).
    public static let forfeitOneForOne = Self(.forfeitOneForOne)
    /// Give up on the whole group: stop every child (mode `ForfeitOneForAllSupervisor`).
    public static let forfeitOneForAll = Self(.forfeitOneForAll)
    /// Do not supervise: a child's crash is the supervisor's crash (mode `CrashingSupervisor`, minus its bug
    /// of leaving the process running when the crashing service is outside the Worker's tree).
    public static let crashing = Self(.crashing)

    public var description: String {
        switch wrapped {
        case .oneForOne: "oneForOne"
        case .oneForAll: "oneForAll"
        case .restForOne: "restForOne"
        case .forfeitOneForOne: "forfeitOneForOne"
        case .forfeitOneForAll: "forfeitOneForAll"
        case .crashing: "crashing"
        }
    }
}
