module cookbook.example/go

go 1.23
