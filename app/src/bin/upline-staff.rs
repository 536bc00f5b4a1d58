//! The staff views' module, downloaded only on `/staff/…` pages.

fn main() {
    upline_app::mount_staff();
}
