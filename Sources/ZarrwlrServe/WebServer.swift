import CodecCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ZarrStore

/// The HTTP face of an ``ArchiveSite`` (Hummingbird): the page at `/` and its JSON and binary
/// endpoints (docs/SERVE.md). A bad request gets a JSON `{"error": ...}` with 400 (a bad
/// parameter or an unknown recording id), 404 (no such layer) or 409 (a layer that exists).
public enum WebServer {
    /// Serves `site` on `host:port` (port 0: one the system picks) until the process is told
    /// to stop (SIGINT, SIGTERM); `announce` gets the address once the server listens.
    public static func run(_ site: ArchiveSite, host: String, port: Int, announce: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        router.get("/") { _, _ in html(WebPage.html) }
        router.get("/api/recordings") { _, _ in await json { () throws(CodecError) in try await site.recordingsJSON() } }
        router.get("/api/layers") { _, _ in await json { () throws(CodecError) in try await site.layerJSON(nil) } }
        router.get("/api/layers/:name") { _, context in
            let name = layerName(context)
            return await json { () throws(CodecError) in try await site.layerJSON(name) }
        }
        router.post("/api/layers/:name") { request, context in
            let name = layerName(context)
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            let replacing = request.uri.queryParameters.get("replace") == "1"
            return await json { () throws(CodecError) in
                .object(["rows": .int(Int64(try await site.saveLayer(name, table: Array(buffer: body), replacing: replacing)))])
            }
        }
        router.get("/api/tile") { request, _ in
            await binary("image/png") { () throws(CodecError) in ResponseBody(byteBuffer: ByteBuffer(bytes: try await site.tile(query(request)))) }
        }
        router.get("/api/audio") { request, _ in
            await binary("audio/wav") { () throws(CodecError) in streamed(try await site.audio(query(request))) }
        }
        var logger = Logger(label: "aimport-serve")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "aimport serve"),
            onServerRunning: { channel in announce("http://\(host):\(channel.localAddress?.port ?? port)/") }, logger: logger)
        try await app.runService()
    }

    /// The layer a path names, percent-decoded (the page sends `encodeURIComponent(name)`, and
    /// a layer's name may hold any letter: `été`).
    private static func layerName(_ context: some RequestContext) -> String {
        let raw = context.parameters.get("name") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    private static func query(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value).removingPercentEncoding ?? String(value) }
        return values
    }

    private static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func json(_ make: () async throws(CodecError) -> JSONValue) async -> Response {
        do {
            let value = try await make()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
        } catch {
            return failure(error)
        }
    }

    private static func binary(_ type: String, _ make: () async throws(CodecError) -> ResponseBody) async -> Response {
        do {
            let body = try await make()
            var headers: HTTPFields = [.contentType: type]
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: body)
        } catch {
            return failure(error)
        }
    }

    /// The bytes of `file` as a body sent a MiB at a time (each piece read off the pool).
    private static func streamed(_ file: SpooledFile) -> ResponseBody {
        ResponseBody(contentLength: file.size) { writer in
            var offset = 0
            while offset < file.size {
                let start = offset
                let piece = try await DedicatedThread.run { () throws(CodecError) in try file.read(at: start, count: 1 << 20) }
                try await writer.write(ByteBuffer(bytes: piece))
                offset += piece.count
            }
            try await writer.finish(nil)
        }
    }

    private static func failure(_ error: CodecError) -> Response {
        let status: HTTPResponse.Status = switch error.code {
        case .invalidArgument: .badRequest
        case .noInput, .incompleteRecording: .notFound
        case .cannotCreate: .conflict
        case .resources: .serviceUnavailable
        case .corrupt, .unrecognized: .unprocessableContent
        default: .internalServerError
        }
        let body = JSONValue.object(["error": .string(error.description)]).serialized()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
