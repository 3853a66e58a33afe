import Kafka
import Logging
import Synchronization

/// How far a reader has consumed each partition, and the wait until it has read everything published
/// before it started: the high watermarks of its partitions, read once they are assigned. A new retriever
/// waits so for the knowledge models, a new gateway for the answers of the async window.
public final class CatchUp: Sendable {
    private let positions = Mutex<[KafkaTopicPartition: Int64]>([:])

    public init() {}

    /// `message` was consumed: its partition's next position is past it.
    public func consumed(_ message: KafkaConsumerMessage) {
        positions.withLock { $0[message.topicPartition] = max($0[message.topicPartition] ?? 0, message.offset + 1) }
    }

    /// Returns once `stream` has partitions of `topic` and has consumed every one of its partitions up to
    /// the high watermark it had then; early when the task is cancelled.
    public func wait(for stream: any RecordStream, topic: String, logger: Logger) async {
        while !Task.isCancelled {
            await stream.waitForAssignment(of: topic)
            let assigned = stream.assignment
            guard !assigned.isEmpty else {
                // Revoked again, or shutting down: wait a moment rather than spin.
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            do {
                let watermarks = try await stream.highWatermarks(assigned, timeout: .seconds(5))
                while !Task.isCancelled {
                    let read = positions.withLock { $0 }
                    // What was consumed, or the stream's own position (a listener that started at its end,
                    // or skipped records older than its window).
                    if watermarks.allSatisfy({ $0.value == 0 || max(read[$0.key] ?? 0, stream.position(of: $0.key) ?? 0) >= $0.value }) { return }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            } catch {
                logger.warning("high watermarks unknown; retrying", metadata: ["kafka.topic": "\(topic)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
