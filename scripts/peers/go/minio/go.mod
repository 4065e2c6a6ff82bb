module stowage.local/peers/minio

go 1.24.0

require github.com/minio/minio v0.0.0-20251015172955-9e49d5e7a648
