import Foundation
import Logging
import RAGCore

/// S3 event notifications from an SQS queue: long-polls, hands each message over, deletes it only after
/// it was fully applied (or dead-lettered), and keeps extending its visibility while a long file ingests.
public struct SQSIngestEventSource: IngestEventSource {
    public let client: SQSClient
    public let waitSeconds: Int
    public let visibilityTimeout: Int
    let logger: Logger

    public init(client: SQSClient, waitSeconds: Int = 20, visibilityTimeout: Int = 300, logger: Logger) {
        self.client = client
        self.waitSeconds = waitSeconds
        self.visibilityTimeout = max(2, visibilityTimeout)
        self.logger = logger
    }

    public func run(handle: @escaping @Sendable (IngestNotification) async throws -> Void) async throws {
        while !Task.isCancelled {
            let messages: [SQSClient.Message]
            do {
                messages = try await client.receive(maxMessages: 10, waitSeconds: waitSeconds, visibilityTimeout: visibilityTimeout)
            } catch {
                // Shutdown cancels the long poll mid-request; that is not a failure.
                if Task.isCancelled { return }
                logger.warning("SQS receive failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            for message in messages {
                if Task.isCancelled { return }
                // Extend the lease at half the visibility timeout for as long as the message is being applied.
                let heartbeat = Task { [client, visibilityTimeout] in
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(visibilityTimeout / 2))
                        try await client.changeVisibility(message, seconds: visibilityTimeout)
                    }
                }
                do {
                    try await handle(IngestNotification(id: message.id, body: Data(message.body.utf8)))
                    heartbeat.cancel()
                    try await client.delete(message)
                } catch {
                    heartbeat.cancel()
                    // Not deleted: SQS delivers it again after the visibility timeout (and to its redrive queue at last).
                    logger.error("SQS message not applied; it will be delivered again", metadata: ["sqs.message_id": "\(message.id)", "error": "\(error)"])
                }
            }
        }
    }
}
