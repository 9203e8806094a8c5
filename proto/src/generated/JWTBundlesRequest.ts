// Original file: protos/spiffe/workload/workload.proto


export interface JWTBundlesRequest {
}

export interface JWTBundlesRequest__Output {
}
