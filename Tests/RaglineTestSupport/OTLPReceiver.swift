import Foundation
import Hummingbird
import Logging
import NIOCore

/// A local OTLP/HTTP trace receiver (`POST /v1/traces`, JSON encoding only, i.e. the exporter runs with
/// `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) that records the spans it is sent.
public final class OTLPReceiver: Sendable {
    /// One received span, ids in lowercase hex.
    public struct ReceivedSpan: Sendable, Hashable, CustomStringConvertible {
        /// OTLP span kinds.
        public enum Kind: Int, Sendable {
            case unspecified = 0, `internal`, server, client, producer, consumer
        }

        /// The `service.name` resource attribute of the process that sent it.
        public let serviceName: String
        public let traceID: String
        public let spanID: String
        /// Nil for a root span.
        public let parentSpanID: String?
        public let name: String
        public let kind: Kind
        /// Attribute values as text (`intValue` is a string in OTLP/JSON anyway).
        public let attributes: [String: String]

        public var description: String {
            "\(serviceName) \(name) [\(kind)] trace=\(traceID) span=\(spanID) parent=\(parentSpanID ?? "-")"
        }
    }

    private let received = LockedBox<[ReceivedSpan]>([])
    private let rejected = LockedBox<[String]>([])
    private let port = LockedBox<Int?>(nil)
    private let task = LockedBox<Task<Void, any Error>?>(nil)

    public init() {}

    /// Every span received so far, in arrival order.
    public var spans: [ReceivedSpan] { received.value }

    /// Why requests were refused (wrong path, content type or body), for failure messages.
    public var rejections: [String] { rejected.value }

    /// Starts the server and returns its base URL, the value for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public func start() async throws -> String {
        let router = Router()
        let received = self.received
        let rejected = self.rejected
        router.post("/v1/traces") { request, _ -> Response in
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                rejected.withLock { $0.append("content type \(request.headers[.contentType] ?? "none")") }
                return Response(status: .unsupportedMediaType)
            }
            let body = try await request.body.collect(upTo: 32 << 20)
            guard let spans = OTLPReceiver.decode(Data(body.readableBytesView)) else {
                rejected.withLock { $0.append("body is not an ExportTraceServiceRequest in JSON") }
                return Response(status: .badRequest)
            }
            received.withLock { $0.append(contentsOf: spans) }
            // An empty ExportTraceServiceResponse; the exporter insists on a content type with a 200.
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let port = self.port
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "otlp-receiver")
        )
        task.withLock { $0 = Task { try await app.runService() } }
        try await waitUntil("OTLP receiver to listen") { port.value != nil }
        return "http://127.0.0.1:\(port.value!)"
    }

    public func stop() async {
        let running = task.value
        running?.cancel()
        _ = try? await running?.value
    }

    /// The spans of an OTLP/JSON `ExportTraceServiceRequest`, or nil if `body` is not one. swift-otel writes
    /// ids as base64 (protobuf's JSON mapping of bytes), not the hex of the OTLP/JSON spec; both are read.
    static func decode(_ body: Data) -> [ReceivedSpan]? {
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        var spans: [ReceivedSpan] = []
        for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let resource = attributes((resourceSpans["resource"] as? [String: Any])?["attributes"])
            let serviceName = resource["service.name"] ?? ""
            for scopeSpans in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scopeSpans["spans"] as? [[String: Any]] ?? [] {
                    guard let traceID = hexID(span["traceId"], bytes: 16), let spanID = hexID(span["spanId"], bytes: 8) else { return nil }
                    spans.append(ReceivedSpan(
                        serviceName: serviceName, traceID: traceID, spanID: spanID,
                        parentSpanID: hexID(span["parentSpanId"], bytes: 8),
                        name: span["name"] as? String ?? "",
                        kind: ReceivedSpan.Kind(rawValue: (span["kind"] as? NSNumber)?.intValue ?? 0) ?? .unspecified,
                        attributes: attributes(span["attributes"])
                    ))
                }
            }
        }
        return spans
    }

    /// An id of `bytes` bytes as lowercase hex, from base64 (or hex already); nil when absent or empty.
    static func hexID(_ value: Any?, bytes: Int) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        if text.count == bytes * 2, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text), data.count == bytes else { return nil }
        return data.map { String(format: "%02x", $0) }.joined()
    }

    /// OTLP `KeyValue` list as a dictionary of texts.
    static func attributes(_ value: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in value as? [[String: Any]] ?? [] {
            guard let key = pair["key"] as? String, let typed = pair["value"] as? [String: Any] else { continue }
            if let text = typed["stringValue"] as? String {
                result[key] = text
            } else if let number = typed["intValue"] {
                result[key] = "\(number)"
            } else if let flag = typed["boolValue"] as? Bool {
                result[key] = flag ? "true" : "false"
            } else if let number = typed["doubleValue"] {
                result[key] = "\(number)"
            } else if let array = (typed["arrayValue"] as? [String: Any])?["values"] {
                result[key] = "\(array)"
            }
        }
        return result
    }
}
