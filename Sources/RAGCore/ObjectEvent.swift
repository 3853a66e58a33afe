import Foundation

/// A change to a knowledge object, decoded from an S3-style event notification (DESIGN 4).
public struct ObjectEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case created
        case removed
    }

    public var kind: Kind
    public var bucket: String
    /// The decoded object key (`+` and percent escapes resolved).
    public var key: String
    public var eventName: String
    public var size: Int?
    public var eTag: String?
    /// Orders events of one key: compare length, then lexically.
    public var sequencer: String?

    public init(kind: Kind, bucket: String, key: String, eventName: String, size: Int? = nil, eTag: String? = nil, sequencer: String? = nil) {
        self.kind = kind
        self.bucket = bucket
        self.key = key
        self.eventName = eventName
        self.size = size
        self.eTag = eTag
        self.sequencer = sequencer
    }

    public var source: KnowledgeSource { KnowledgeSource(bucket: bucket, key: key) }
}

public struct ObjectEventDecodingError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// Decodes S3 event notifications as AWS (S3 -> SQS/SNS), MinIO's Kafka target and EventBridge send them.
public enum ObjectEventDecoder {
    /// The object changes the notification describes. An `s3:TestEvent` yields none. Throws with a reason
    /// when the document is not an event notification at all.
    public static func decode(_ data: Data) throws -> [ObjectEvent] {
        let root: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: data) else {
                throw ObjectEventDecodingError(reason: "event is not a JSON object")
            }
            root = object
        } catch let error as ObjectEventDecodingError {
            throw error
        } catch {
            throw ObjectEventDecodingError(reason: "event is not valid JSON")
        }

        if case .string(let event)? = root["Event"], event == "s3:TestEvent" { return [] }

        if case .array(let records)? = root["Records"] {
            return try records.enumerated().compactMap { index, record in
                guard case .object(let fields) = record else {
                    throw ObjectEventDecodingError(reason: "Records[\(index)] is not an object")
                }
                return try decodeRecord(fields, index: index)
            }
        }

        // EventBridge: {"detail-type": "Object Created", "source": "aws.s3", "detail": {...}}
        if case .string(let detailType)? = root["detail-type"], case .object(let detail)? = root["detail"] {
            let kind: ObjectEvent.Kind
            switch detailType {
            case "Object Created": kind = .created
            case "Object Deleted": kind = .removed
            default: return []
            }
            guard case .object(let bucket)? = detail["bucket"], case .string(let bucketName)? = bucket["name"],
                  case .object(let object)? = detail["object"], case .string(let rawKey)? = object["key"]
            else { throw ObjectEventDecodingError(reason: "EventBridge event lacks detail.bucket.name or detail.object.key") }
            return [ObjectEvent(
                kind: kind, bucket: bucketName, key: decodeKey(rawKey), eventName: detailType,
                size: object["size"].flatMap(intValue), eTag: object["etag"].flatMap(stringValue),
                sequencer: object["sequencer"].flatMap(stringValue)
            )]
        }
        throw ObjectEventDecodingError(reason: "not an S3 event notification: no Records, Event or detail-type")
    }

    private static func decodeRecord(_ record: [String: JSONValue], index: Int) throws -> ObjectEvent? {
        guard case .string(var eventName)? = record["eventName"] else {
            throw ObjectEventDecodingError(reason: "Records[\(index)].eventName is missing")
        }
        // MinIO prefixes event names with "s3:".
        if eventName.hasPrefix("s3:") { eventName.removeFirst(3) }
        let kind: ObjectEvent.Kind
        if eventName.hasPrefix("ObjectCreated:") {
            kind = .created
        } else if eventName.hasPrefix("ObjectRemoved:") {
            kind = .removed
        } else {
            return nil
        }
        guard case .object(let s3)? = record["s3"],
              case .object(let bucket)? = s3["bucket"], case .string(let bucketName)? = bucket["name"],
              case .object(let object)? = s3["object"], case .string(let rawKey)? = object["key"]
        else { throw ObjectEventDecodingError(reason: "Records[\(index)] lacks s3.bucket.name or s3.object.key") }
        return ObjectEvent(
            kind: kind, bucket: bucketName, key: decodeKey(rawKey), eventName: eventName,
            size: object["size"].flatMap(intValue), eTag: object["eTag"].flatMap(stringValue),
            sequencer: object["sequencer"].flatMap(stringValue)
        )
    }

    /// S3 form-encodes keys in notifications: `+` is a space, then percent escapes (moto and MinIO escape
    /// `/` too). Decode the whole key before splitting it.
    public static func decodeKey(_ raw: String) -> String {
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The inverse of `decodeKey`, used when Ragline emits notifications itself.
    public static func encodeKey(_ key: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.!~*'()/")
        let escaped = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
        return escaped.replacingOccurrences(of: "%20", with: "+")
    }

    private static func intValue(_ value: JSONValue) -> Int? {
        if case .number(let number) = value { return Int(number) }
        return nil
    }

    private static func stringValue(_ value: JSONValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }
}

/// Builds S3-style notifications for Ragline's own object stores (the local folder, `ragline ingest`),
/// in the same shape AWS sends, so that one consumer handles both.
public enum ObjectEventEncoder {
    public static func notification(for event: ObjectEvent, region: String = "local", time: Date = Date()) -> Data {
        var object: [String: JSONValue] = ["key": .string(ObjectEventDecoder.encodeKey(event.key))]
        if let size = event.size { object["size"] = .number(Double(size)) }
        if let eTag = event.eTag { object["eTag"] = .string(eTag) }
        if let sequencer = event.sequencer { object["sequencer"] = .string(sequencer) }
        let record: JSONValue = .object([
            "eventVersion": .string("2.1"),
            "eventSource": .string("ragline:local"),
            "awsRegion": .string(region),
            "eventTime": .string(EventCoding.formatDate(time)),
            "eventName": .string(event.eventName),
            "s3": .object([
                "s3SchemaVersion": .string("1.0"),
                "bucket": .object(["name": .string(event.bucket), "arn": .string("arn:aws:s3:::\(event.bucket)")]),
                "object": .object(object),
            ]),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(["Records": .array([record])]))) ?? Data()
    }
}
