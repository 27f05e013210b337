import Foundation

extension CronExpression {
    /// The largest daylight-saving (or other offset) shift the search accounts for, as in Vixie cron.
    private static let maximumShift: Int64 = 3 * 3_600

    /// The first instant strictly after `date` at which the expression fires in `timeZone`.
    ///
    /// The search runs on the zone's wall clock and maps each matching wall-clock minute to real instants.
    /// Daylight-saving transitions follow Vixie cron / cronie:
    ///
    /// - **Spring forward** (a wall-clock time that does not exist): a fixed-time job (see
    ///   ``isFixedTime``, e.g. `30 2 * * *`) fires once at the first instant after the gap (03:00 in New York);
    ///   a wildcard job (`*/15 * * * *`, `@hourly`) simply has no ticks in the gap.
    /// - **Fall back** (a wall-clock time that happens twice): a fixed-time job fires once, at the first
    ///   occurrence; a wildcard job fires at every real instant that matches, so `@hourly` still runs every
    ///   real hour.
    ///
    /// Month ends and leap days need no special handling: `0 0 31 * *` skips 30-day months, `0 0 29 2 *`
    /// fires only in leap years. Returns `nil` only for an expression that can never match (`0 0 30 2 *`).
    ///
    /// ```swift
    /// let cron = try CronExpression("0 20 * * *")
    /// let la = TimeZone(identifier: "America/Los_Angeles")!
    /// let next = cron.nextFireDate(after: Date(timeIntervalSince1970: 946_684_800), in: la)
    /// // 2000-01-01 04:00 UTC (20:00 on 1999-12-31 in Los Angeles)
    /// ```
    public func nextFireDate(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = date.timeIntervalSince1970
        let afterWhole = Int64(after.rounded(.down))
        // Without an offset change nearby, wall-clock order is instant order and no margin is needed.
        let startWall = afterWhole + Self.offset(at: afterWhole, in: timeZone) - Self.margin(at: afterWhole, in: timeZone)
        var cursor: CivilTime? = firstMatch(atOrAfter: CivilTime(wallSeconds: startWall))
        var best: Int64?
        var bestWall: Int64 = .max
        while let wall = cursor {
            let wallSeconds = wall.wallSeconds
            if best != nil, wallSeconds > bestWall { break }
            for instant in instants(forWall: wallSeconds, in: timeZone) where Double(instant) > after {
                if best.map({ instant < $0 }) ?? true {
                    best = instant
                    bestWall = instant + Self.offset(at: instant, in: timeZone) + Self.margin(at: instant, in: timeZone)
                }
            }
            cursor = firstMatch(atOrAfter: CivilTime(wallSeconds: wallSeconds + 60))
        }
        return best.map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// Seconds from `date` until the next fire time (mode's `secs_for_next`), or `nil` if it never fires.
    ///
    /// ```swift
    /// let seconds = try CronExpression("*/1 * * * *")
    ///     .secondsUntilNext(after: Date(timeIntervalSince1970: 946_684_800), in: .gmt)   // 60
    /// ```
    public func secondsUntilNext(after date: Date = Date(), in timeZone: TimeZone) -> TimeInterval? {
        nextFireDate(after: date, in: timeZone).map { $0.timeIntervalSince(date) }
    }

    /// The real instants (whole seconds since 1970) at which wall-clock time `wall` fires in `zone`.
    private func instants(forWall wall: Int64, in zone: TimeZone) -> [Int64] {
        let before = Self.offset(at: wall - 86_400, in: zone)
        let later = Self.offset(at: wall + 86_400, in: zone)
        if before == later { return [wall - before] }  // No transition within a day: the common case.
        var found: [Int64] = []
        for candidate in [before, later] where Self.offset(at: wall - candidate, in: zone) == candidate {
            found.append(wall - candidate)
        }
        found.sort()
        if found.isEmpty {
            // In a spring-forward gap: fixed-time jobs fire at the first valid instant after it.
            return isFixedTime ? [gapEnd(from: wall - later, to: wall - before, in: zone, oldOffset: before)] : []
        }
        return isFixedTime ? [found[0]] : found
    }

    private static func offset(at instant: Int64, in zone: TimeZone) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    /// How far wall-clock order may disagree with instant order around `instant`: zero unless the zone's
    /// offset changes within a day of it.
    private static func margin(at instant: Int64, in zone: TimeZone) -> Int64 {
        offset(at: instant - 86_400, in: zone) == offset(at: instant + 86_400, in: zone) ? 0 : maximumShift
    }

    /// Binary search for the transition instant between `low` (old offset) and `high` (new offset).
    private func gapEnd(from low: Int64, to high: Int64, in zone: TimeZone, oldOffset: Int64) -> Int64 {
        var low = low
        var high = high
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if Self.offset(at: middle, in: zone) == oldOffset {
                low = middle
            } else {
                high = middle
            }
        }
        return high
    }

    /// The first wall-clock minute `>= start` that matches every field; `nil` if none within 8 years
    /// (a leap day recurs at least every 8 years, so nothing can match after that).
    func firstMatch(atOrAfter start: CivilTime) -> CivilTime? {
        var time = start
        let lastYear = start.year + 8
        while time.year <= lastYear {
            guard let month = month.next(atOrAfter: time.month) else {
                time = CivilTime(year: time.year + 1, month: 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if month != time.month {
                time = CivilTime(year: time.year, month: month, day: 1, hour: 0, minute: 0)
            }
            if time.day > CivilTime.daysInMonth(year: time.year, month: time.month)
                || !matchesDay(dayOfMonth: time.day, weekday: time.weekday) {
                time = Self.nextDay(after: time)
                continue
            }
            guard let hour = hour.next(atOrAfter: time.hour) else {
                time = Self.nextDay(after: time)
                continue
            }
            if hour != time.hour {
                time.hour = hour
                time.minute = 0
            }
            guard let minute = minute.next(atOrAfter: time.minute) else {
                if time.hour == 23 {
                    time = Self.nextDay(after: time)
                } else {
                    time.hour += 1
                    time.minute = 0
                }
                continue
            }
            time.minute = minute
            return time
        }
        return nil
    }

    private static func nextDay(after time: CivilTime) -> CivilTime {
        if time.day >= CivilTime.daysInMonth(year: time.year, month: time.month) {
            return time.month == 12
                ? CivilTime(year: time.year + 1, month: 1, day: 1, hour: 0, minute: 0)
                : CivilTime(year: time.year, month: time.month + 1, day: 1, hour: 0, minute: 0)
        }
        return CivilTime(year: time.year, month: time.month, day: time.day + 1, hour: 0, minute: 0)
    }
}
