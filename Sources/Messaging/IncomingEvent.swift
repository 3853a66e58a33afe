import Foundation
import Kafka
import Logging
import RAGCore

/// A consumed pipeline event: its envelope and decoded payload.
public struct IncomingEvent<Payload: Decodable & Sendable>: Sendable {
    public let envelope: EventEnvelope
    public let payload: Payload

    /// Decodes `message`, or gives the reason it cannot be decoded (for the dead-letter record).
    public static func decode(_ message: KafkaConsumerMessage, expectedType: String) -> Result<IncomingEvent, EnvelopeError> {
        let envelope: EventEnvelope
        switch EventEnvelope.parse(header: message.headerLookup) {
        case .success(let parsed): envelope = parsed
        case .failure(let error): return .failure(error)
        }
        guard envelope.type == expectedType else {
            return .failure(EnvelopeError(reason: "unexpected ce_type \(envelope.type); expected \(expectedType)"))
        }
        do {
            return .success(IncomingEvent(envelope: envelope, payload: try EventCoding.decode(Payload.self, from: message.value)))
        } catch {
            return .failure(EnvelopeError(reason: "invalid \(Payload.self) payload: \(Self.describe(error))"))
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

extension EventPublisher {
    /// Decodes `message`, or dead-letters it with the reason (logged too) and returns nil: what every
    /// consuming stage does first with a record.
    public func decodeOrDeadLetter<Payload: Decodable & Sendable>(
        _ message: KafkaConsumerMessage, as _: Payload.Type, expectedType: String, stage: String, logger: Logger
    ) async throws -> IncomingEvent<Payload>? {
        switch IncomingEvent<Payload>.decode(message, expectedType: expectedType) {
        case .success(let event):
            return event
        case .failure(let error):
            logger.error("malformed event dead-lettered", metadata: [
                "reason": "\(error.reason)", "stage": "\(stage)", "kafka.topic": "\(message.topic)", "kafka.offset": "\(message.offset)",
            ])
            try await deadLetter(message, reason: error.reason, stage: stage)
            return nil
        }
    }
}
