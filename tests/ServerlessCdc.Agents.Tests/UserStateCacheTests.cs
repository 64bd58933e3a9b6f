using ServerlessCdc.Agents;

namespace ServerlessCdc.Agents.Tests;

public sealed class UserStateCacheTests
{
    [Fact]
    public void A_checked_out_state_is_not_handed_to_a_second_batch_until_returned()
    {
        var cache = new UserStateCache<User>(10);
        cache.Return([(new User(1), 3), (new User(2), 1)]);

        var first = cache.CheckOut([1, 2]);
        var second = cache.CheckOut([1]);
        cache.Return(first.Values);

        Assert.Equal([1L, 2L], first.Keys.Order());
        Assert.Empty(second);
        Assert.Equal(3, cache.CheckOut([1])[1].Version);
    }

    [Fact]
    public void An_older_version_returned_late_does_not_replace_a_newer_one()
    {
        var cache = new UserStateCache<User>(10);
        var newer = new User(1);
        cache.Return([(newer, 5)]);
        cache.Return([(new User(1), 4)]);

        Assert.Same(newer, cache.CheckOut([1])[1].State);
    }

    [Fact]
    public void Beyond_its_capacity_it_keeps_no_new_users()
    {
        var cache = new UserStateCache<User>(2);
        cache.Return([(new User(1), 0), (new User(2), 0), (new User(3), 0)]);

        Assert.Equal(2, cache.Count);
        Assert.Empty(cache.CheckOut([3]));
    }

    private sealed class User(long id) : IUserState
    {
        public long UserId => id;

        public bool Contains(long transactionId) => false;

        public void AcceptChanges()
        {
        }
    }
}
