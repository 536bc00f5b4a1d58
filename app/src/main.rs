fn main() {
    upline_app::mount();
}
