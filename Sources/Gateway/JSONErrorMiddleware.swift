import Hummingbird
import Logging

/// Makes every error the gateway answers an `APIError` JSON body. A path no route has is 404 `not_found`
/// and a known path asked with another method 405 `method_not_allowed` with `Allow` (Hummingbird answers
/// both with its own empty 404); Hummingbird's other `HTTPError`s keep their status and headers; anything
/// else is 500 `internal_error`, its cause logged rather than sent. Added to the router before the routes,
/// so that it also wraps the router's not-found responder.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await ragline(request, context: context, next: next)
        } catch let error as APIError where OpenAICompatibleAPI.speaksOpenAI(request.uri.path) {
            // OpenAI clients read OpenAI's error shape.
            throw OpenAICompatibleError(base: error)
        }
    }

    private func ragline(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            throw unmatched(request) ?? APIError(.notFound, code: "not_found", message: error.body ?? "not found")
        } catch let error as HTTPError {
            throw APIError(error.status, code: Self.code(for: error.status), message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, code: Self.code(for: error.status), message: error.status.reasonPhrase)
        } catch let error as CancellationError {
            throw error
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw APIError(.internalServerError, code: "internal_error", message: "the gateway could not handle this request; try again")
        }
    }

    /// 404 for a path no route has, 405 for a known path asked with another method; nil when a route has
    /// both (its handler threw the 404).
    func unmatched(_ request: Request) -> APIError? {
        let path = request.uri.path
        let shown = String(path.prefix(200))
        let methods = routes.methods(for: path)
        guard !methods.isEmpty else {
            return APIError(.notFound, code: "not_found", message: "no route \(shown); this API has \(routes.summary)")
        }
        guard !methods.contains(request.method) else { return nil }
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        return APIError(
            .methodNotAllowed, code: "method_not_allowed", message: "\(shown) answers \(allow), not \(request.method.rawValue)",
            headers: [.allow: allow]
        )
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "invalid_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 408: "request_timeout"
        case 413: "body_too_large"
        case 415: "unsupported_media_type"
        case 429: "rate_limited"
        case 500: "internal_error"
        case 503: "unavailable"
        default: "http_\(status.code)"
        }
    }
}
