import AsyncHTTPClient
import Foundation
import NIOCore
import RAGCore

/// Where AWS credentials come from.
public protocol AWSCredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

public struct StaticCredentialProvider: AWSCredentialProvider {
    public let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials() async throws -> AWSCredentials { value }
}

/// The ECS task role (or any container credentials endpoint): `GET` the endpoint, cache the temporary
/// credentials, and fetch new ones five minutes before they expire.
public actor ContainerCredentialProvider: AWSCredentialProvider {
    public let url: String
    public let authorizationToken: String?
    private let client: HTTPClient
    private let refreshMargin: TimeInterval
    private var cached: AWSCredentials?

    public init(url: String, authorizationToken: String? = nil, refreshMargin: TimeInterval = 300, client: HTTPClient = .shared) {
        self.url = url
        self.authorizationToken = authorizationToken
        self.refreshMargin = refreshMargin
        self.client = client
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, let expiration = cached.expiration, expiration.timeIntervalSinceNow > refreshMargin { return cached }
        var request = HTTPClientRequest(url: url)
        if let authorizationToken { request.headers.add(name: "Authorization", value: authorizationToken) }
        let body: ByteBuffer
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(5))
            body = try await response.body.collect(upTo: 64 * 1024)
        } catch {
            throw ProviderError(provider: "aws-credentials", message: "container credentials endpoint \(url) failed: \(error)", isRetriable: true)
        }
        guard response.status == .ok,
              let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String
        else {
            throw ProviderError(provider: "aws-credentials", message: "container credentials endpoint \(url) answered HTTP \(response.status.code) without credentials", isRetriable: response.status.code >= 500)
        }
        let expiration = (object["Expiration"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        let credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String, expiration: expiration)
        cached = credentials
        return credentials
    }
}

public enum AWSCredentialChain {
    /// Environment variables first (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then the
    /// container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2, or
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN`). Nil when neither is set.
    public static func provider(environment: [String: String] = ProcessInfo.processInfo.environment) -> (any AWSCredentialProvider)? {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return StaticCredentialProvider(AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token))
        }
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            return ContainerCredentialProvider(url: "http://169.254.170.2" + relative)
        }
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            return ContainerCredentialProvider(url: full, authorizationToken: environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
        }
        return nil
    }
}
