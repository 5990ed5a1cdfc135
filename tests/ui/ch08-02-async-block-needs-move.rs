// A spawned task that borrows a local variable. A Go closure would capture
// `name` by reference and the garbage collector would keep it alive; Rust
// rejects the borrow, because the task may outlive `main`'s frame.
// ANCHOR: main
#[tokio::main]
async fn main() {
    let name = String::from("shard-1");
    let task = tokio::spawn(async {
        println!("hello from {name}");
    });
    task.await.unwrap();
}
// ANCHOR_END: main
