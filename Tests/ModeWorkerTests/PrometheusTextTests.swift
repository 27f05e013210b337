import Testing

/// The exposition checker the `/metrics` tests rely on flags what it must.
@Suite("Prometheus text checker")
struct PrometheusTextTests {
    @Test func acceptsValidText() {
        let text = """
            # HELP mode_up 1 when up
            # TYPE mode_up gauge
            mode_up 1
            # TYPE mode_starts_total counter
            mode_starts_total{service="Worker/App",state="a \\"quoted\\" value"} 3
            # TYPE mode_blocked_seconds histogram
            mode_blocked_seconds_bucket{le="+Inf"} 2
            mode_blocked_seconds_sum 0.5
            mode_blocked_seconds_count 2

            """
        #expect(PrometheusText.problems(text).isEmpty, "\(PrometheusText.problems(text))")
    }

    @Test(arguments: [
        "mode_up 1\n",  // no TYPE
        "# TYPE mode_up gauge\nmode_up one\n",  // not a number
        "# TYPE 1mode gauge\n1mode 1\n",  // bad name
        "# TYPE mode_up gauge\nmode_up{1x=\"a\"} 1\n",  // bad label name
        "# TYPE mode_up gauge\nmode_up{x=\"a} 1\n",  // unterminated label value
        "# TYPE mode_up gauge\nmode_up 1\n# TYPE mode_up gauge\n",  // second TYPE
        "# TYPE mode_up thing\nmode_up 1\n",  // unknown type
        "hello world\n",
    ])
    func flagsInvalidText(text: String) {
        #expect(!PrometheusText.problems(text).isEmpty)
    }
}
