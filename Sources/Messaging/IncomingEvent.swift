import Foundation
import Kafka
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
