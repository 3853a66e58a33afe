import Hummingbird
import NIOCore

/// The documents the gateway serves beside its API: the web chat page at `/` and the OpenAPI document at
/// `/openapi.json`. Both are compiled into the binary (SwiftPM's `embedInCode`), so they work offline and
/// the image carries no files beside the executable.
enum StaticDocuments {
    static let chatPage = ByteBuffer(bytes: PackageResources.chat_html)
    static let openAPI = ByteBuffer(bytes: PackageResources.openapi_json)

    /// The page's scripts and styles are inline and it talks only to its own origin: nothing else may load.
    static let chatPagePolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func chatPageResponse() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = chatPagePolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: chatPage))
    }

    static func openAPIResponse() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: openAPI))
    }
}
