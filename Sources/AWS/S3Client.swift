import AsyncHTTPClient
import Foundation
import NIOCore
import RAGCore

/// The S3 calls Ragline needs: GetObject streamed line by line, HeadObject, ListObjectsV2. Virtual-host
/// addressing on AWS, path-style on a custom endpoint (MinIO, moto) or when asked.
public struct S3Client: Sendable {
    public let region: String
    /// A custom endpoint such as `http://127.0.0.1:5000`; nil means AWS.
    public let endpoint: String?
    public let pathStyle: Bool
    private let sender: AWSRequestSender

    public init(region: String, endpoint: String? = nil, pathStyle: Bool? = nil, credentials: any AWSCredentialProvider, client: HTTPClient = .shared) {
        self.region = region
        self.endpoint = endpoint.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.pathStyle = pathStyle ?? (endpoint != nil)
        var options = SigV4Signer.Options()
        options.normalizePath = false
        options.signPayloadHashHeader = true
        sender = AWSRequestSender(signer: SigV4Signer(region: region, service: "s3"), credentials: credentials, client: client, options: options)
    }

    /// Base URL and path for an object (or the bucket, when `key` is empty).
    func location(bucket: String, key: String) -> (baseURL: String, path: String) {
        if pathStyle {
            return (endpoint ?? "https://s3.\(region).amazonaws.com", "/\(bucket)" + (key.isEmpty ? "" : "/\(key)"))
        }
        if let endpoint, let url = URL(string: endpoint), let scheme = url.scheme, let host = url.host {
            return ("\(scheme)://\(bucket).\(host)" + (url.port.map { ":\($0)" } ?? ""), "/" + key)
        }
        return ("https://\(bucket).s3.\(region).amazonaws.com", "/" + key)
    }

    public struct ObjectHead: Sendable, Hashable {
        public let size: Int
        public let eTag: String?
    }

    /// Nil when the object does not exist.
    public func headObject(bucket: String, key: String) async throws -> ObjectHead? {
        let (base, path) = location(bucket: bucket, key: key)
        let response = try await sender.send(method: "HEAD", baseURL: base, path: path)
        // Drain the (empty) body so the connection returns to the pool.
        _ = try? await response.body.collect(upTo: 1 << 20)
        if response.status == .notFound { return nil }
        guard response.status == .ok else {
            throw AWSRequestSender.error(service: "s3", response: response, body: Data(), context: "HeadObject s3://\(bucket)/\(key)")
        }
        return ObjectHead(size: Int(response.headers.first(name: "Content-Length") ?? "") ?? 0, eTag: response.headers.first(name: "ETag"))
    }

    /// The object's lines without terminators, read as they arrive: memory stays bounded by the longest line.
    public func lines(bucket: String, key: String) -> AsyncThrowingStream<Substring, any Error> {
        let (base, path) = location(bucket: bucket, key: key)
        let sender = self.sender
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await sender.send(method: "GET", baseURL: base, path: path, timeout: .seconds(3600))
                    guard response.status == .ok else {
                        let body = try? await response.body.collect(upTo: 64 * 1024)
                        var error = AWSRequestSender.error(service: "s3", response: response, body: body.map { Data($0.readableBytesView) } ?? Data(), context: "GetObject s3://\(bucket)/\(key)")
                        if response.status == .notFound || response.status == .forbidden {
                            error = ProviderError(provider: error.provider, message: error.message, isRetriable: false)
                        }
                        throw error
                    }
                    var pending: [UInt8] = []
                    for try await buffer in response.body {
                        pending.append(contentsOf: buffer.readableBytesView)
                        var start = 0
                        while let newline = pending[start...].firstIndex(of: 0x0A) {
                            continuation.yield(Self.line(pending[start..<newline]))
                            start = newline + 1
                        }
                        pending.removeFirst(start)
                    }
                    if !pending.isEmpty { continuation.yield(Self.line(pending[...])) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Keys under `prefix`, following continuation tokens.
    public func listObjects(bucket: String, prefix: String) async throws -> [String] {
        var keys: [String] = []
        var token: String?
        let (base, path) = location(bucket: bucket, key: "")
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await sender.send(method: "GET", baseURL: base, path: path.isEmpty ? "/" : path, query: query)
            let body = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
            guard response.status == .ok else {
                throw AWSRequestSender.error(service: "s3", response: response, body: body, context: "ListObjectsV2 s3://\(bucket)/\(prefix)")
            }
            let text = String(decoding: body, as: UTF8.self)
            keys += Self.values(of: "Key", in: text).map(Self.xmlUnescape)
            token = Self.values(of: "NextContinuationToken", in: text).first.map(Self.xmlUnescape)
        } while token != nil
        return keys
    }

    private static func line(_ bytes: ArraySlice<UInt8>) -> Substring {
        var text = Substring(String(decoding: bytes, as: UTF8.self))
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }

    static func values(of tag: String, in text: String) -> [String] {
        var values: [String] = []
        var searchRange = text.startIndex..<text.endIndex
        while let open = text.range(of: "<\(tag)>", range: searchRange), let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex) {
            values.append(String(text[open.upperBound..<close.lowerBound]))
            searchRange = close.upperBound..<text.endIndex
        }
        return values
    }

    static func xmlUnescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// S3 as the knowledge `ObjectStore`.
public struct S3ObjectStore: ObjectStore {
    public let client: S3Client

    public init(client: S3Client) {
        self.client = client
    }

    public func lines(of source: KnowledgeSource) -> AsyncThrowingStream<Substring, any Error> {
        client.lines(bucket: source.bucket, key: source.key)
    }
}
