import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP server that records the callbacks it receives.
public final class CallbackReceiver: Sendable {
    public struct Received: Sendable {
        public let headers: [String: String]
        public let body: Data
        public var at = ContinuousClock.now
    }

    private let received = LockedBox<[Received]>([])
    private let port = LockedBox<Int?>(nil)
    private let task = LockedBox<Task<Void, any Error>?>(nil)
    /// Status to answer with for the first `failures` requests, to exercise retries.
    private let failuresLeft: LockedBox<Int>

    public init(failFirst failures: Int = 0) {
        failuresLeft = LockedBox(failures)
    }

    public var all: [Received] { received.withLock { $0 } }

    /// Starts the server and returns its URL.
    public func start() async throws -> String {
        let router = Router()
        let received = self.received
        let failuresLeft = self.failuresLeft
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let fail = failuresLeft.withLock { left -> Bool in
                if left > 0 { left -= 1; return true }
                return false
            }
            received.withLock { $0.append(Received(headers: headers, body: Data(buffer: body))) }
            return Response(status: fail ? .serviceUnavailable : .noContent)
        }
        let port = self.port
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "callback-receiver")
        )
        task.withLock { $0 = Task { try await app.runService() } }
        try await waitUntil("callback receiver to listen") { port.withLock { $0 } != nil }
        return "http://127.0.0.1:\(port.withLock { $0 }!)/hook"
    }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = try? await running?.value
    }
}
