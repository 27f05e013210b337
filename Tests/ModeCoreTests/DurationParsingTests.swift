import ModeCore
import Testing

@Suite("Rate, duration parsing and humanizeSeconds")
struct DurationParsingTests {
    @Test func ratesMatchMode() throws {
        #expect(abs(try Rate("10/m").perSecond - 10.0 / 60) < 1e-12)
        #expect(abs(try Rate("100/h").perSecond - 100.0 / 3_600) < 1e-12)
        #expect(abs(try Rate("1333/d").perSecond - 1_333.0 / 86_400) < 1e-12)
        #expect(try Rate("5/s").perSecond == 5)
        #expect(try Rate("1.5").perSecond == 1.5)
        #expect(try Rate(" 2/d ").perSecond == 2.0 / 86_400)
        #expect(Rate(count: 10, per: .seconds(60)) == (try Rate("10/m")))
        #expect(try Rate("4/s").interval == .milliseconds(250))
    }

    @Test(arguments: [
        ("", ValueParseError.Code.empty), ("ten/m", .invalidNumber), ("10/w", .unknownUnit), ("-1/s", .negative),
        ("/m", .invalidNumber), ("inf", .invalidNumber),
    ])
    func invalidRates(text: String, code: ValueParseError.Code) {
        do {
            _ = try Rate(text)
            Issue.record("\(text) should not parse")
        } catch {
            #expect(error.code == code)
            #expect(error.message.hasPrefix("invalid rate \"\(text)\": "))
        }
    }

    @Test func durations() throws {
        #expect(try Duration(parsing: "1.5") == .milliseconds(1_500))
        #expect(try Duration(parsing: "10s") == .seconds(10))
        #expect(try Duration(parsing: "5m") == .seconds(300))
        #expect(try Duration(parsing: "2h") == .seconds(7_200))
        #expect(try Duration(parsing: "1d") == .seconds(86_400))
        #expect(try Duration(parsing: "250ms") == .milliseconds(250))
        #expect(try Duration(parsing: " 3 s ") == .seconds(3))
    }

    @Test(arguments: [("", ValueParseError.Code.empty), ("5x", .unknownUnit), ("abc", .invalidNumber), ("-2s", .negative)])
    func invalidDurations(text: String, code: ValueParseError.Code) {
        do {
            _ = try Duration(parsing: text)
            Issue.record("\(text) should not parse")
        } catch {
            #expect(error.code == code)
            #expect(error.message.hasPrefix("invalid duration \"\(text)\": "))
        }
    }

    @Test func humanizeMatchesMode() {
        #expect(humanizeSeconds(0) == "now")
        #expect(humanizeSeconds(1) == "1.00 second")
        #expect(humanizeSeconds(60) == "1.00 minute")
        #expect(humanizeSeconds(7_200) == "2.00 hours")
        #expect(humanizeSeconds(90_061) == "1.04 day")
        #expect(humanizeSeconds(0.5) == "now")
        #expect(humanizeSeconds(0.5, microseconds: true) == "0.50 seconds")
        #expect(humanizeSeconds(4, prefix: "in ") == "in 4.00 seconds")
        #expect(humanizeSeconds(59.999) == "1.00 minute")
        #expect(humanizeSecondsAgo(3.333) == "3.33 seconds ago")
        #expect(humanizeSecondsAgo(0.2) == "just now")
        #expect(humanizeSeconds(.seconds(120)) == "2.00 minutes")
    }
}
