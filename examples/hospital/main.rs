//! A simulated hospital day (work in progress: the data model only so far).

#![allow(dead_code)] // work in progress: the modules are wired up as they land

mod billing;
mod clinical;
mod imaging;
mod world;

fn main() {
    let day = world::generate(1, 10);
    println!("{} encounters", day.encounters.len());
}
