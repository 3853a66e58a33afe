import Hummingbird
import Logging
import Prometheus

/// `/healthz`, `/readyz` and `/metrics`, the same on every role's HTTP port (DESIGN 6).
public enum HealthRoutes {
    public static func add<Context: RequestContext>(to router: Router<Context>, readiness: [Readiness], registry: PrometheusCollectorRegistry) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/readyz") { _, _ in
            // A process running several roles is ready when all of them are.
            let states = readiness.map(\.current)
            let state: Readiness.State = states.contains(.stopping) ? .stopping
                : states.contains(.starting) ? .starting
                : states.contains(.unavailable) ? .unavailable : .ready
            let unavailable = Array(Set(readiness.flatMap(\.failingChecks))).sorted()
            let body = state == .unavailable
                ? #"{"status":"unavailable","unavailable":[\#(unavailable.map { "\"\($0)\"" }.joined(separator: ","))]}"#
                : #"{"status":"\#(state.rawValue)"}"#
            return Response(
                status: state == .ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }

    /// The HTTP server of a role without an API: health and metrics only.
    public static func adminApplication(host: String, port: Int, readiness: [Readiness], registry: PrometheusCollectorRegistry, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        add(to: router, readiness: readiness, registry: registry)
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "ragline"), logger: logger)
    }
}
