import Foundation
import ModeCore
import Testing

/// An instant given in UTC, so DST-ambiguous local times never enter the expectations.
private func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .gmt
    return calendar.date(
        from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
}

private let newYork = TimeZone(identifier: "America/New_York")!
private let london = TimeZone(identifier: "Europe/London")!
private let losAngeles = TimeZone(identifier: "America/Los_Angeles")!

/// The next `count` fire times after `start`.
private func fires(_ expression: String, after start: Date, in zone: TimeZone, count: Int) throws -> [Date] {
    let cron = try CronExpression(expression)
    var result: [Date] = []
    var cursor = start
    for _ in 0..<count {
        guard let next = cron.nextFireDate(after: cursor, in: zone) else { break }
        result.append(next)
        cursor = next
    }
    return result
}

@Suite("CronExpression parsing")
struct CronExpressionParsingTests {
    @Test func outOfRangeMinuteNamesTheField() {
        #expect(throws: CronExpressionError.self) { try CronExpression("61 * * * *") }
        do {
            _ = try CronExpression("61 * * * *")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .outOfRange)
            #expect(error.field == "minute")
            #expect(error.message == #"invalid cron expression "61 * * * *": minute field "61" is out of range 0-59"#)
        }
    }

    @Test(arguments: [
        ("* * * *", CronExpressionError.Code.wrongFieldCount, nil as String?),
        ("* * * * * *", .wrongFieldCount, nil),
        ("* 24 * * *", .outOfRange, "hour"),
        ("* * 0 * *", .outOfRange, "day-of-month"),
        ("* * * 13 *", .outOfRange, "month"),
        ("* * * * 8", .outOfRange, "day-of-week"),
        ("*/0 * * * *", .invalidStep, "minute"),
        ("*/x * * * *", .invalidStep, "minute"),
        ("5-1 * * * *", .invalidRange, "minute"),
        ("* * * foo *", .invalidValue, "month"),
        ("1,,2 * * * *", .invalidValue, "minute"),
        ("* * * * funday", .invalidValue, "day-of-week"),
        ("@reboot", .unknownMacro, nil),
    ])
    func malformedExpressions(expression: String, code: CronExpressionError.Code, field: String?) {
        do {
            _ = try CronExpression(expression)
            Issue.record("\(expression) should not parse")
        } catch {
            #expect(error.code == code)
            #expect(error.field == field)
            #expect(error.message.hasPrefix("invalid cron expression \"\(expression)\": "))
            if let field { #expect(error.message.contains("\(field) field")) }
        }
    }

    @Test func namesAreCaseInsensitiveAndSevenIsSunday() throws {
        let start = utc(2024, 1, 1)  // a Monday
        let byName = try fires("0 12 * JAN-mar Sun", after: start, in: .gmt, count: 3)
        let byNumber = try fires("0 12 * 1-3 7", after: start, in: .gmt, count: 3)
        #expect(byName == byNumber)
        #expect(byName == [utc(2024, 1, 7, 12), utc(2024, 1, 14, 12), utc(2024, 1, 21, 12)])
    }

    @Test func macrosExpand() throws {
        let start = utc(2023, 6, 15, 10, 30)
        let pairs = [("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
                     ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
                     ("@hourly", "0 * * * *")]
        for (macro, expanded) in pairs {
            #expect(try fires(macro, after: start, in: .gmt, count: 3) == fires(expanded, after: start, in: .gmt, count: 3))
        }
        #expect(try CronExpression("@hourly").isFixedTime == false)
        #expect(try CronExpression("@daily").isFixedTime == true)
    }

    @Test func listsRangesAndSteps() throws {
        let start = utc(2024, 3, 4)  // Monday 00:00
        #expect(try fires("10-50/10 0 * * *", after: start, in: .gmt, count: 5)
            == [10, 20, 30, 40, 50].map { utc(2024, 3, 4, 0, $0) })
        #expect(try fires("*/15 0 * * *", after: utc(2024, 3, 3, 23, 59), in: .gmt, count: 4)
            == [0, 15, 30, 45].map { utc(2024, 3, 4, 0, $0) })
        #expect(try fires("1,3,5 0 * * *", after: start, in: .gmt, count: 3) == [1, 3, 5].map { utc(2024, 3, 4, 0, $0) })
        #expect(try fires("50/5 0 * * *", after: start, in: .gmt, count: 2) == [50, 55].map { utc(2024, 3, 4, 0, $0) })
    }
}

@Suite("CronExpression next fire time")
struct CronExpressionNextFireTests {
    @Test func secondsUntilNextMatchesMode() throws {
        let millennium = utc(2000, 1, 1)
        #expect(try CronExpression("*/1 * * * *").secondsUntilNext(after: millennium, in: .gmt) == 60)
        #expect(try CronExpression("0 20 * * *").secondsUntilNext(after: millennium, in: .gmt) == 72_000)
        #expect(try CronExpression("0 20 * * *").secondsUntilNext(after: millennium, in: losAngeles) == 14_400)
    }

    @Test func strictlyAfterAndSubMinuteStart() throws {
        let cron = try CronExpression("30 10 * * *")
        #expect(cron.nextFireDate(after: utc(2024, 5, 1, 10, 30), in: .gmt) == utc(2024, 5, 2, 10, 30))
        #expect(cron.nextFireDate(after: utc(2024, 5, 1, 10, 29, 59), in: .gmt) == utc(2024, 5, 1, 10, 30))
    }

    @Test func monthEndsSkipShortMonths() throws {
        #expect(try fires("0 0 31 * *", after: utc(2023, 1, 1), in: .gmt, count: 4)
            == [utc(2023, 1, 31), utc(2023, 3, 31), utc(2023, 5, 31), utc(2023, 7, 31)])
        #expect(try fires("59 23 30 * *", after: utc(2023, 2, 1, 12), in: newYork, count: 2)
            == [utc(2023, 3, 31, 3, 59), utc(2023, 5, 1, 3, 59)])  // 23:59 EDT on Mar 30 and Apr 30
        #expect(try fires("0 0 1 * *", after: utc(2023, 12, 31, 12), in: .gmt, count: 1) == [utc(2024, 1, 1)])
    }

    @Test func leapDaysOnlyInLeapYears() throws {
        #expect(try fires("0 12 29 2 *", after: utc(2023, 1, 1), in: london, count: 3)
            == [utc(2024, 2, 29, 12), utc(2028, 2, 29, 12), utc(2032, 2, 29, 12)])
        // 2100 is not a leap year: from 2096 the next leap day is in 2104.
        #expect(try fires("0 0 29 2 *", after: utc(2096, 3, 1), in: .gmt, count: 1) == [utc(2104, 2, 29)])
        #expect(try CronExpression("0 0 30 2 *").nextFireDate(after: utc(2024, 1, 1), in: .gmt) == nil)
    }

    @Test func vixieOrRuleWhenBothDayFieldsRestricted() throws {
        // June 2024: Mondays are the 3rd, 10th, 17th.
        #expect(try fires("0 0 1,15 * mon", after: utc(2024, 6, 1), in: .gmt, count: 4)
            == [utc(2024, 6, 3), utc(2024, 6, 10), utc(2024, 6, 15), utc(2024, 6, 17)])
        // With a starred day-of-month, both must match (AND): `*/2` counts as unrestricted like in Vixie.
        #expect(try fires("0 0 */2 * mon", after: utc(2024, 6, 1), in: .gmt, count: 2)
            == [utc(2024, 6, 3), utc(2024, 6, 17)])
    }

    @Test func springForwardFixedTimeFiresAtEndOfGap() throws {
        // New York, 2024-03-10: 02:00 EST jumps to 03:00 EDT (07:00 UTC). 02:30 does not exist.
        let daily = try fires("30 2 * * *", after: utc(2024, 3, 9, 12), in: newYork, count: 3)
        #expect(daily == [utc(2024, 3, 10, 7), utc(2024, 3, 11, 6, 30), utc(2024, 3, 12, 6, 30)])
        // 01:30 EST still exists and fires normally.
        #expect(try fires("30 1 * * *", after: utc(2024, 3, 9, 12), in: newYork, count: 1) == [utc(2024, 3, 10, 6, 30)])
    }

    @Test func springForwardWildcardSkipsTheGap() throws {
        // Every 20 minutes: 01:40 EST (06:40 UTC), then 03:00 EDT (07:00 UTC).
        #expect(try fires("*/20 * * * *", after: utc(2024, 3, 10, 6, 30), in: newYork, count: 3)
            == [utc(2024, 3, 10, 6, 40), utc(2024, 3, 10, 7), utc(2024, 3, 10, 7, 20)])
        // London, 2024-03-31: 01:00 GMT jumps to 02:00 BST. The hourly job runs at every real hour.
        #expect(try fires("@hourly", after: utc(2024, 3, 30, 23, 30), in: london, count: 3)
            == [utc(2024, 3, 31, 0), utc(2024, 3, 31, 1), utc(2024, 3, 31, 2)])
    }

    @Test func fallBackFixedTimeFiresOnce() throws {
        // New York, 2024-11-03: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC.
        #expect(try fires("30 1 * * *", after: utc(2024, 11, 2, 12), in: newYork, count: 2)
            == [utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)])
        // Starting inside the repeated hour (after the first 01:30) does not fire the second one.
        #expect(try fires("30 1 * * *", after: utc(2024, 11, 3, 6, 10), in: newYork, count: 1) == [utc(2024, 11, 4, 6, 30)])
    }

    @Test func fallBackWildcardFiresEveryRealInstant() throws {
        // London, 2024-10-27: 02:00 BST falls back to 01:00 GMT. 01:15 local happens at 00:15 and 01:15 UTC.
        #expect(try fires("15 * * * *", after: utc(2024, 10, 26, 23, 30), in: london, count: 4)
            == [utc(2024, 10, 27, 0, 15), utc(2024, 10, 27, 1, 15), utc(2024, 10, 27, 2, 15), utc(2024, 10, 27, 3, 15)])
        // From the first pass (00:40 UTC = 01:40 BST), the next quarter-hour is 01:45 BST, then 01:00 GMT.
        #expect(try fires("*/15 * * * *", after: utc(2024, 10, 27, 0, 40), in: london, count: 3)
            == [utc(2024, 10, 27, 0, 45), utc(2024, 10, 27, 1, 0), utc(2024, 10, 27, 1, 15)])
    }

    @Test func fireTimesAreStrictlyIncreasingAcrossAYear() throws {
        let times = try fires("7 */3 * * *", after: utc(2024, 1, 1), in: newYork, count: 8 * 366)
        #expect(times.count == 8 * 366)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
    }
}
