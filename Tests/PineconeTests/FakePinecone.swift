import Foundation
import Hummingbird
import Logging
import NIOCore
import RaglineTestSupport

/// A local server that follows Pinecone's control-plane, data-plane and inference contract (WIRE.md,
/// pinecone-io/pinecone-api 2025-10), rejects requests that break it, and injects scripted faults.
final class FakePinecone: Sendable {
    enum Fault: Sendable {
        case status(Int, body: String, retryAfter: String? = nil)
        case slow(Duration)
        case malformed
    }

    struct StoredVector: Sendable {
        let values: [Double]
        let metadata: Data
    }

    let key = "pc-test-key"
    let dimension: Int
    private let store = LockedBox<[String: [String: StoredVector]]>([:])
    private let faults = LockedBox<[Fault]>([])
    let upsertBatchSizes = LockedBox<[Int]>([])
    let embedCalls = LockedBox<[(inputType: String, count: Int)]>([])
    let controlPlaneCalls = LockedBox(0)
    private let port = LockedBox<Int?>(nil)
    private let task = LockedBox<Task<Void, any Error>?>(nil)

    init(dimension: Int) {
        self.dimension = dimension
    }

    var baseURL: String { "http://127.0.0.1:\(port.value ?? 0)" }
    var hostWithoutScheme: String { "127.0.0.1:\(port.value ?? 0)" }

    func inject(_ injected: Fault...) { faults.withLock { $0.append(contentsOf: injected) } }


    func count(_ namespace: String) -> Int { store.value[namespace]?.count ?? 0 }

    /// Stores a vector as an earlier version of the client wrote it.
    func insertRaw(_ namespace: String, id: String, values: [Double], metadata: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: metadata)
        store.withLock { $0[namespace, default: [:]][id] = StoredVector(values: values, metadata: data) }
    }

    func metadata(_ namespace: String, _ id: String) -> [String: Any]? {
        store.value[namespace]?[id].flatMap { try? JSONSerialization.jsonObject(with: $0.metadata) as? [String: Any] }
    }

    func start() async throws {
        let router = Router()
        router.get("/indexes/:name") { request, context in
            try await self.guarded(request) { _ in
                self.controlPlaneCalls.withLock { $0 += 1 }
                let name = try context.parameters.require("name")
                return self.json(["name": name, "host": self.hostWithoutScheme, "dimension": self.dimension, "metric": "cosine", "status": ["ready": true, "state": "Ready"]])
            }
        }
        router.post("/vectors/upsert") { request, _ in try await self.guarded(request, self.upsert) }
        router.post("/query") { request, _ in try await self.guarded(request, self.query) }
        router.post("/vectors/delete") { request, _ in try await self.guarded(request, self.delete) }
        router.post("/describe_index_stats") { request, _ in
            try await self.guarded(request) { _ in
                let namespaces = self.store.value.filter { !$0.value.isEmpty }.mapValues { ["vectorCount": $0.count] }
                return self.json(["namespaces": namespaces, "dimension": self.dimension, "totalVectorCount": namespaces.values.reduce(0) { $0 + ($1["vectorCount"] ?? 0) }, "metric": "cosine"])
            }
        }
        router.post("/embed") { request, _ in try await self.guarded(request, self.embed) }
        // Serverless list: ids in order, `limit` (1-100) a page, `pagination.next` while more remain.
        router.get("/vectors/list") { request, _ in
            try await self.guarded(request) { _ in
                let items = request.uri.queryParameters
                let namespace = items["namespace"].map { String($0) } ?? "__default__"
                let limit = items["limit"].flatMap { Int(String($0)) } ?? 100
                guard (1...100).contains(limit) else { return self.invalid("limit must be 1-100") }
                let start = items["paginationToken"].flatMap { Int(String($0)) } ?? 0
                let ids = (self.store.value[namespace]?.keys.sorted() ?? []).filter { $0.hasPrefix(items["prefix"].map { String($0) } ?? "") }
                let page = ids.dropFirst(start).prefix(limit)
                var answer: [String: Any] = ["vectors": page.map { ["id": $0] }, "namespace": namespace, "usage": ["readUnits": 1]]
                if start + page.count < ids.count { answer["pagination"] = ["next": String(start + page.count)] }
                return self.json(answer)
            }
        }
        router.get("/vectors/fetch") { request, _ in
            try await self.guarded(request) { _ in
                let items = request.uri.queryParameters
                let ids = items.getAll("ids").map { String($0) }
                guard !ids.isEmpty, ids.count <= 1000 else { return self.invalid("1-1000 ids") }
                let namespace = items["namespace"].map { String($0) } ?? "__default__"
                var vectors: [String: Any] = [:]
                for id in ids {
                    if let stored = self.store.value[namespace]?[id] {
                        vectors[id] = ["id": id, "values": stored.values, "metadata": (try? JSONSerialization.jsonObject(with: stored.metadata)) ?? [:]]
                    }
                }
                return self.json(["vectors": vectors, "namespace": namespace, "usage": ["readUnits": 1]])
            }
        }
        let port = self.port
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            port.withLock { $0 = channel.localAddress?.port }
        }, logger: Logger(label: "fake-pinecone"))
        task.withLock { $0 = Task { try await app.runService() } }
        try await waitUntil("fake pinecone") { port.value != nil }
    }

    func stop() async {
        let running = task.value
        running?.cancel()
        _ = try? await running?.value
    }

    private func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func invalid(_ message: String) -> Response {
        json(["code": 3, "message": message, "details": []], status: .badRequest)
    }

    /// Checks the headers every call needs, applies a scripted fault if one is queued, parses the body.
    private func guarded(_ request: Request, _ handler: @Sendable ([String: Any]) async throws -> Response) async throws -> Response {
        guard request.headers[.init("Api-Key")!] == key else {
            return Response(status: .unauthorized, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "Unauthorized")))
        }
        guard request.headers[.init("X-Pinecone-Api-Version")!] == "2025-10" else { return invalid("X-Pinecone-Api-Version must be 2025-10") }
        let fault = faults.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch fault {
        case .status(let code, let body, let retryAfter)?:
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            if let retryAfter { headers[.init("Retry-After")!] = retryAfter }
            return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .slow(let delay)?:
            try await Task.sleep(for: delay)
        case .malformed?:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"matches\": [")))
        case nil:
            break
        }
        let body = try await request.body.collect(upTo: 4 << 20)
        if request.method == .get { return try await handler([:]) }
        guard body.readableBytes <= 2 * 1024 * 1024 else { return invalid("request exceeds 2 MB") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return invalid("body is not a JSON object") }
        return try await handler(object)
    }

    private func upsert(_ body: [String: Any]) async throws -> Response {
        guard let vectors = body["vectors"] as? [[String: Any]], !vectors.isEmpty else { return invalid("vectors is required") }
        guard (body["namespace"] as? String).map({ !$0.isEmpty }) ?? true else { return invalid("namespace must not be empty") }
        guard vectors.count <= 1000 else { return invalid("at most 1000 vectors per upsert") }
        let namespace = body["namespace"] as? String ?? "__default__"
        var accepted: [String: StoredVector] = [:]
        for vector in vectors {
            guard let id = vector["id"] as? String, !id.isEmpty, let values = vector["values"] as? [Double] else { return invalid("each vector needs id and values") }
            guard values.count == dimension else { return invalid("vector dimension \(values.count) does not match the index dimension \(dimension)") }
            let metadata = vector["metadata"] as? [String: Any] ?? [:]
            for (field, value) in metadata {
                let ok = value is String || value is NSNumber || (value as? [Any])?.allSatisfy { $0 is String } == true
                guard ok else { return invalid("metadata \(field) must be a string, number, boolean or list of strings") }
            }
            let data = try JSONSerialization.data(withJSONObject: metadata)
            guard data.count <= 40 * 1024 else { return invalid("metadata exceeds 40 KB") }
            accepted[id] = StoredVector(values: values, metadata: data)
        }
        upsertBatchSizes.withLock { $0.append(vectors.count) }
        store.withLock { $0[namespace, default: [:]].merge(accepted) { _, new in new } }
        return json(["upsertedCount": vectors.count])
    }

    private func query(_ body: [String: Any]) async throws -> Response {
        guard let topK = body["topK"] as? Int, (1...10000).contains(topK) else { return invalid("topK must be 1-10000") }
        guard let vector = body["vector"] as? [Double], vector.count == dimension else { return invalid("vector must have \(dimension) values") }
        let namespace = body["namespace"] as? String ?? "__default__"
        let includeMetadata = body["includeMetadata"] as? Bool ?? false
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scored = (store.value[namespace] ?? [:]).map { id, stored -> (String, Double, Data) in
            let other = stored.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let dot = zip(vector, stored.values).reduce(0) { $0 + $1.0 * $1.1 }
            return (id, dot / max(norm * other, 1e-12), stored.metadata)
        }.sorted { $0.1 > $1.1 }.prefix(topK)
        let matches: [[String: Any]] = scored.map { id, score, metadata in
            var match: [String: Any] = ["id": id, "score": score]
            if includeMetadata { match["metadata"] = (try? JSONSerialization.jsonObject(with: metadata)) ?? [:] }
            return match
        }
        return json(["matches": matches, "namespace": namespace, "usage": ["readUnits": 1]])
    }

    private func delete(_ body: [String: Any]) async throws -> Response {
        let namespace = body["namespace"] as? String ?? "__default__"
        let modes = [body["ids"] != nil, body["deleteAll"] != nil, body["filter"] != nil].filter { $0 }.count
        guard modes == 1 else { return invalid("exactly one of ids, deleteAll and filter") }
        if let ids = body["ids"] as? [String] {
            store.withLock { for id in ids { $0[namespace]?[id] = nil } }
        } else if body["deleteAll"] as? Bool == true {
            store.withLock { $0[namespace] = [:] }
        } else if let filter = body["filter"] as? [String: Any] {
            store.withLock { state in
                state[namespace] = state[namespace]?.filter { _, stored in
                    let metadata = (try? JSONSerialization.jsonObject(with: stored.metadata) as? [String: Any]) ?? [:]
                    return !Self.matches(filter, metadata)
                }
            }
        }
        return json([:])
    }

    /// The subset of Pinecone's filter language Ragline sends: `$eq`, `$nin`, `$and`.
    static func matches(_ filter: [String: Any], _ metadata: [String: Any]) -> Bool {
        filter.allSatisfy { key, condition in
            if key == "$and" { return (condition as? [[String: Any]] ?? []).allSatisfy { matches($0, metadata) } }
            if key == "$or" { return (condition as? [[String: Any]] ?? []).contains { matches($0, metadata) } }
            guard let condition = condition as? [String: Any] else { return "\(metadata[key] ?? "")" == "\(condition)" }
            if let exists = condition["$exists"] as? Bool { return (metadata[key] != nil) == exists }
            // Pinecone's comparison operators match only vectors that have the field.
            guard let value = metadata[key] else { return false }
            if let expected = condition["$eq"] { return "\(value)" == "\(expected)" }
            if let values = condition["$nin"] as? [String] { return !values.contains("\(value)") }
            return false
        }
    }

    private func embed(_ body: [String: Any]) async throws -> Response {
        guard body["model"] is String, let parameters = body["parameters"] as? [String: Any],
              let inputType = parameters["input_type"] as? String, ["query", "passage"].contains(inputType),
              let inputs = body["inputs"] as? [[String: Any]], !inputs.isEmpty
        else { return invalid("model, parameters.input_type and inputs are required") }
        guard inputs.count <= 96 else { return invalid("at most 96 inputs") }
        embedCalls.withLock { $0.append((inputType, inputs.count)) }
        let data = inputs.map { input -> [String: Any] in
            let text = input["text"] as? String ?? ""
            var values = [Double](repeating: 0.01, count: dimension)
            values[0] = Double(text.count)
            return ["values": values]
        }
        return json(["model": body["model"]!, "data": data, "usage": ["total_tokens": inputs.count * 3]])
    }
}
