import Dispatch
import Hummingbird
import Metrics
import Synchronization

/// Hummingbird's request metrics (the same names and dimensions as its `MetricsMiddleware`:
/// `hb.requests`, `http.server.request.duration`, `hb.request.errors`, `http.server.active_requests`),
/// recorded when the handler returns for a response whose length is known.
///
/// Hummingbird's own middleware records after the body is written by wrapping every body in a closure, and
/// a closure body loses the response writer's fast path (head, body and end in one write): each response
/// then cost three event-loop hand-offs and two `write` calls. A known-length body is written at once after
/// the handler returns, so recording then measures the same thing. Streams (no length) are still recorded
/// when their last byte is written.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let cache = Cache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = cache.active(request.method)
        active.increment()
        do {
            var response = try await next(request, context)
            let metrics = cache.endpoint(Cache.EndpointKey(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status))
            if response.body.contentLength == nil {
                let body = response.body
                response.body = ResponseBody { writer in
                    defer {
                        metrics.record(since: start)
                        active.decrement()
                    }
                    try await body.write(writer)
                }
            } else {
                metrics.record(since: start)
                active.decrement()
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.endpoint(Cache.EndpointKey(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
            metrics.requests.increment()
            metrics.errors.increment()
            active.decrement()
            throw error
        }
    }

    /// Metric handles made once per method and per route, method and status.
    final class Cache: Sendable {
        struct EndpointKey: Hashable {
            let route: String
            let method: HTTPRequest.Method
            let status: HTTPResponse.Status
        }

        struct Endpoint: Sendable {
            let requests: Counter
            let duration: Timer
            let errors: Counter

            init(_ key: EndpointKey) {
                let dimensions = [
                    ("http.route", key.route), ("http.request.method", key.method.description), ("http.response.status_code", key.status.code.description),
                ]
                requests = Counter(label: "hb.requests", dimensions: dimensions)
                duration = Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
                errors = Counter(
                    label: "hb.request.errors",
                    dimensions: [("http.route", key.route), ("http.request.method", key.method.description), ("error.type", key.status.code.description)]
                )
            }

            func record(since start: UInt64) {
                requests.increment()
                duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            }
        }

        private let endpoints = Mutex([EndpointKey: Endpoint]())
        private let methods = Mutex([HTTPRequest.Method: Meter]())

        func endpoint(_ key: EndpointKey) -> Endpoint {
            endpoints.withLock { endpoints in
                if let found = endpoints[key] { return found }
                let made = Endpoint(key)
                endpoints[key] = made
                return made
            }
        }

        func active(_ method: HTTPRequest.Method) -> Meter {
            methods.withLock { methods in
                if let found = methods[method] { return found }
                let made = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.description)])
                methods[method] = made
                return made
            }
        }
    }
}
