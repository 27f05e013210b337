import ModeCore
import ModeTestKit

/// A background task that records its start and its cancellation, and waits in between.
func recordingTask(_ name: String, events: EventRecorder) -> ServiceTask {
    .task(name) {
        events.record("\(name).started")
        await withTaskCancellationHandler {
            await waitForever()
        } onCancel: {
            events.record("\(name).cancelled")
        }
    }
}

/// Suspends until the calling task is cancelled.
func waitForever() async {
    let stream = AsyncStream<Void> { _ in }
    for await _ in stream {}
}

/// A parent P with children A, B, C and a background task T, all recording into `events`.
func makeTree(events: EventRecorder, capture: LogCapture? = nil) throws -> RecordingService {
    let parent = RecordingService("P", events: events, tasks: [recordingTask("T", events: events)])
    if let capture { parent.lifecycle.setLogger(capture.logger) }
    for name in ["A", "B", "C"] {
        try parent.addDependency(RecordingService(name, events: events))
    }
    return parent
}

struct Boom: Error, Equatable, CustomStringConvertible {
    var what: String = "boom"
    var description: String { what }
}
