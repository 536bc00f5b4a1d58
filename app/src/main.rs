fn main() {
    upline_app::mount_partner();
}
