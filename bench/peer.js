// The peer in the benchmarks: Connect-ES (@connectrpc/connect-web) over grpc-web, with code
// generated from this project's proto by protoc-gen-es (bench/gen, made by `buf generate`).
// Bundled by esbuild into www/peer.bundle.js.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { ArvakService } from "./gen/arvak/v1/arvak_pb.js";

/** A Connect-ES client of arvak.v1.ArvakService at `baseUrl`. */
export function connectClient(baseUrl) {
  return createClient(ArvakService, createGrpcWebTransport({ baseUrl }));
}
